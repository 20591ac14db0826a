"""The demo city: an urban area inside a real district boundary, divided into streets, communities
and grids of irregular shape, the same way for any size and always the same for the same seed.

How it is drawn:
1. The urban area is a noisy round blob around the old town, clipped to the district.
2. Grid cells are a Voronoi diagram of points that crowd towards the centre (small grids in the
   old town, larger ones at the edge), relaxed twice towards their centroids so no cell is a sliver.
3. Communities are grown from seed cells over the cells' shared edges, smallest first, so every
   community is one connected piece of similar size; streets are grown from communities the same way.
4. The rest of the district is split into towns (镇) by direction from the centre; the demo does not
   divide them further.
Every shape is a union of grid cells that share their vertices exactly, so the hierarchy nests with
no gap and no overlap. Work is done in degrees, with longitudes scaled by cos(latitude) wherever
distance matters, so the real district boundary is used exactly as imported.
"""

import heapq
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from govgrid.lib.coords import METRES_PER_DEGREE, metres_per_degree_of_longitude
from grids.importing import SourceArea
from grids.models import GridKind

# The real county boundary of 邓州市, in GCJ-02 (see fixtures/boundaries/README.md).
DEMO_BOUNDARY = Path(__file__).resolve().parent.parent / "fixtures" / "boundaries" / "411381.geojson"
CENTRE = (112.085, 32.688)  # WGS84, the old town of 邓州市
DEMO_GRIDS = 514
DEMO_COMMUNITIES = 46
URBAN_RADIUS_M = 4_200.0  # for 514 grids; grows with the square root of the grid count

STREET_NAMES = ["古城街道", "花洲街道", "新华街道", "湍河街道", "东城街道"]
TOWN_DIRECTIONS = ["城东镇", "东北镇", "城北镇", "西北镇", "城西镇", "西南镇", "城南镇", "东南镇"]
COMMUNITY_WORDS = (
    "建设 团结 和平 人民 新华 解放 光明 幸福 花园 文化 育才 迎宾 湍河 花洲 古城 东关 西关 南关 北关 春风 "
    "繁荣 友谊 胜利 红旗 朝阳 向阳 青年 健康 府前 书院 翠湖 滨河 锦绣 兴隆 民主 长青 顺河 新城 康乐 和谐 "
    "振兴 富民 安居 丰收 雅苑 桂园 槐树 柳林 杏园 枣林 白云 仁和 永安 广场 学苑 工农 新兴 东园 西园 南园"
).split()
DEDICATED = [  # kind, share of grids, name suffix, households range, prefers the centre?
    (GridKind.COMMERCIAL_BUILDING, 0.04, "商务楼宇专属网格", (0, 40), True),
    (GridKind.MARKET, 0.03, "农贸市场专属网格", (0, 30), True),
    (GridKind.SCHOOL, 0.03, "校园专属网格", (0, 15), None),
    (GridKind.PARK, 0.02, "公园专属网格", (0, 1), None),
    (GridKind.INDUSTRIAL_PARK, 0.02, "产业园区专属网格", (0, 60), False),
    (GridKind.OTHER, 0.01, "专属网格", (0, 20), None),
]


@dataclass
class CityPlan:
    grids: int = DEMO_GRIDS
    communities: int | None = None
    seed: int = 411381

    def community_count(self):
        if self.communities:
            return self.communities
        return (
            DEMO_COMMUNITIES
            if self.grids == DEMO_GRIDS
            else max(1, round(self.grids / (DEMO_GRIDS / DEMO_COMMUNITIES)))
        )

    def street_count(self):
        return min(99, max(1, round(self.community_count() / 9.2)))


class _Frame:
    """Degrees ↔ a local frame in metres (longitudes scaled by cos(latitude)); an affine map, so
    shared vertices stay shared and Voronoi diagrams stay partitions."""

    def __init__(self, lon0, lat0):
        self.lon0, self.lat0 = lon0, lat0
        self.kx = metres_per_degree_of_longitude(lat0)

    def to_m(self, xy):
        return np.column_stack([(xy[:, 0] - self.lon0) * self.kx, (xy[:, 1] - self.lat0) * METRES_PER_DEGREE])

    def to_deg(self, xy):
        return np.column_stack([xy[:, 0] / self.kx + self.lon0, xy[:, 1] / METRES_PER_DEGREE + self.lat0])


def build_city(district_code, district_geom, plan=None):
    """SourceArea records for the streets, towns, communities and grids inside the district."""
    plan = plan or CityPlan()
    rng = np.random.default_rng(plan.seed)
    frame = _Frame(*CENTRE)
    radius = URBAN_RADIUS_M * math.sqrt(plan.grids / DEMO_GRIDS)
    urban = _largest_part(shapely.intersection(_blob(rng, frame, radius), district_geom))

    cells = _grid_cells(rng, frame, urban, plan.grids)
    neighbours = _adjacency(cells)
    centroids = frame.to_m(shapely.get_coordinates(shapely.centroid(cells)))
    community_of = _grow_regions(rng, centroids, neighbours, plan.community_count())
    community_centroids = _group_means(centroids, community_of, plan.community_count())
    community_neighbours = _group_adjacency(neighbours, community_of, plan.community_count())
    street_of_community = _grow_regions(rng, community_centroids, community_neighbours, plan.street_count())

    records = []
    street_order = _order_by_angle(_group_means(community_centroids, street_of_community, plan.street_count()))
    community_names = iter(_community_names(plan.community_count()))
    for s_index, street in enumerate(street_order, start=1):
        street_code = f"{district_code}{s_index:03d}"
        communities = [c for c in range(plan.community_count()) if street_of_community[c] == street]
        communities.sort(key=lambda c: (community_centroids[c][1] * -1, community_centroids[c][0]))
        street_cells = []
        for c_index, community in enumerate(communities, start=1):
            community_code = f"{street_code}{c_index:03d}"
            community_name = next(community_names)
            members = np.flatnonzero(community_of == community)
            members = sorted(members, key=lambda i: (-centroids[i][1], centroids[i][0]))
            street_cells.extend(members)
            records.append(_record(community_code, community_name, shapely.union_all(cells[members])))
            basic_number = 0
            for g_index, cell in enumerate(members, start=1):
                distance = float(np.hypot(*centroids[cell]))
                kind, name_suffix, households = _grid_kind(rng, distance / radius)
                if kind == GridKind.BASIC:
                    basic_number += 1
                    name_suffix = f"第{basic_number}网格"
                population = round(households * rng.uniform(2.6, 3.2))
                records.append(
                    _record(
                        f"{community_code}{g_index:03d}",
                        community_name + name_suffix,
                        cells[cell],
                        kind=kind.value,
                        households=households,
                        population=population,
                    )
                )
        street_name = STREET_NAMES[s_index - 1] if plan.street_count() <= len(STREET_NAMES) else f"第{s_index}街道"
        records.append(_record(street_code, street_name, shapely.union_all(cells[street_cells])))

    records.extend(_towns(rng, frame, district_code, district_geom, urban))
    return records


def _record(code, name, geom, **grid_fields):
    return SourceArea(label=f"{code} {name}", code=code, name=name, geom=geom, **grid_fields)


def _blob(rng, frame, radius):
    """A round shape with a wavy edge: the built-up area of a county town."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.uniform(0.02, 0.09) / (k - 1) ** 0.5 * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    xy = np.column_stack([radius * r * np.cos(theta), radius * r * np.sin(theta) * 0.9])
    return shapely.Polygon(frame.to_deg(xy))


def _largest_part(geom):
    if geom.geom_type == "Polygon":
        return geom
    return max(shapely.get_parts(geom), key=lambda g: g.area)


def _grid_cells(rng, frame, urban, count):
    """`count` Voronoi cells tiling the urban area, denser towards the centre."""
    extent = frame.to_m(np.array(urban.exterior.coords))
    radius = np.hypot(extent[:, 0], extent[:, 1]).max()
    urban_m = shapely.Polygon(extent)
    seeds = []
    while len(seeds) < count:
        xy = rng.uniform(-radius, radius, size=(count * 4, 2))
        keep = rng.uniform(size=len(xy)) < 0.3 + 0.7 * np.exp(-((np.hypot(xy[:, 0], xy[:, 1]) / (0.6 * radius)) ** 2))
        xy = xy[keep]
        xy = xy[shapely.contains_xy(urban_m, xy[:, 0], xy[:, 1])]
        seeds.extend(xy.tolist())
    seeds = np.array(seeds[:count])
    for _ in range(2):  # Lloyd relaxation: move each seed to its cell's centroid
        cells = _voronoi(frame, seeds, urban)
        seeds = frame.to_m(shapely.get_coordinates(shapely.centroid(cells)))
    return _voronoi(frame, seeds, urban)


def _voronoi(frame, seeds_m, clip):
    """Voronoi cells of the seeds (in metres), in degrees, clipped to `clip`, in seed order."""
    points = shapely.points(seeds_m)
    envelope = shapely.buffer(shapely.envelope(shapely.multipoints(seeds_m)), 20_000)
    diagram = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds_m), extend_to=envelope))
    # voronoi_polygons does not keep input order: match each cell to the seed inside it.
    tree = shapely.STRtree(diagram)
    seed_index, cell_index = tree.query(points, predicate="within")
    ordered = np.empty(len(seeds_m), dtype=object)
    ordered[seed_index] = diagram[cell_index]
    in_degrees = shapely.transform(ordered, frame.to_deg)
    return shapely.intersection(in_degrees, clip)


def _adjacency(cells):
    """For each cell, the cells that share an edge (not just a corner) with it."""
    tree = shapely.STRtree(cells)
    a, b = tree.query(cells, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(cells[a], cells[b]))
    neighbours = [set() for _ in range(len(cells))]
    for i, j in zip(a[shared > 0], b[shared > 0], strict=True):
        neighbours[i].add(int(j))
        neighbours[j].add(int(i))
    return neighbours


def _grow_regions(rng, points, neighbours, k):
    """Label each item with one of k connected regions of similar size.

    Seeds come from a few rounds of k-means on the points; then the smallest region repeatedly
    takes the free neighbour nearest its seed. Items no region can reach join the nearest region.
    """
    n = len(points)
    centres = points[rng.choice(n, size=k, replace=False)]
    for _ in range(8):
        labels = _nearest(points, centres)
        for j in range(k):
            members = points[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    seeds, taken = [], set()
    for centre in centres:
        order = np.argsort(np.hypot(*(points - centre).T))
        seed = next(int(i) for i in order if int(i) not in taken)
        seeds.append(seed)
        taken.add(seed)

    labels = np.full(n, -1)
    frontier = [set() for _ in range(k)]
    heap = []
    for region, seed in enumerate(seeds):
        labels[seed] = region
    for region, seed in enumerate(seeds):
        frontier[region] = {j for j in neighbours[seed] if labels[j] == -1}
        heapq.heappush(heap, (1, region))
    sizes = [1] * k
    while heap:
        _, region = heapq.heappop(heap)
        free = [j for j in frontier[region] if labels[j] == -1]
        if not free:
            continue
        centre = points[seeds[region]]
        pick = min(free, key=lambda j: (points[j][0] - centre[0]) ** 2 + (points[j][1] - centre[1]) ** 2)
        labels[pick] = region
        sizes[region] += 1
        frontier[region].discard(pick)
        frontier[region].update(j for j in neighbours[pick] if labels[j] == -1)
        heapq.heappush(heap, (sizes[region], region))
    stray = np.flatnonzero(labels == -1)
    if len(stray):
        labels[stray] = labels[seeds][_nearest(points[stray], points[seeds])]
    return labels


def _nearest(points, centres):
    tree = shapely.STRtree(shapely.points(centres))
    index = tree.query_nearest(shapely.points(points), all_matches=False)
    labels = np.empty(len(points), dtype=int)
    labels[index[0]] = index[1]
    return labels


def _group_means(points, labels, k):
    return np.array([points[labels == j].mean(axis=0) for j in range(k)])


def _group_adjacency(neighbours, labels, k):
    groups = [set() for _ in range(k)]
    for i, near in enumerate(neighbours):
        for j in near:
            if labels[i] != labels[j]:
                groups[labels[i]].add(int(labels[j]))
    return groups


def _order_by_angle(points):
    """Region numbers ordered clockwise from north, so street codes go round the town."""
    angles = (np.degrees(np.arctan2(points[:, 0], points[:, 1])) + 360) % 360
    return list(np.argsort(angles, kind="stable"))


def _community_names(count):
    names = []
    for i in range(count):
        word = COMMUNITY_WORDS[i % len(COMMUNITY_WORDS)]
        round_ = i // len(COMMUNITY_WORDS)
        names.append(f"{word}社区" if round_ == 0 else f"{word}{round_ + 1}社区")
    return names


def _grid_kind(rng, relative_distance):
    """Most grids are basic; markets and office towers sit in the centre, industry at the edge."""
    roll = rng.uniform()
    for kind, share, suffix, (low, high), central in DEDICATED:
        weight = 1.0
        if central is True:
            weight = 1.8 if relative_distance < 0.5 else 0.4
        elif central is False:
            weight = 2.5 if relative_distance > 0.7 else 0.2
        if roll < share * weight:
            return kind, suffix, int(rng.integers(low, high))
        roll -= share * weight
    return GridKind.BASIC, "", int(np.clip(rng.normal(380, 70), 200, 600))


def _towns(rng, frame, district_code, district_geom, urban):
    """The rest of the district, split by direction from the centre into towns (codes 101…)."""
    rural = shapely.difference(district_geom, urban)
    records = []
    span = 200_000.0
    # Neighbouring fans share their edge rays point for point, so the towns leave no sliver between them.
    edges = np.radians(np.arange(len(TOWN_DIRECTIONS) + 1) * 45.0 - 22.5)
    for index, name in enumerate(TOWN_DIRECTIONS):
        arc = np.concatenate([[edges[index]], np.linspace(edges[index], edges[index + 1], 8)[1:-1], [edges[index + 1]]])
        fan = np.vstack([[0.0, 0.0], np.column_stack([span * np.sin(arc), span * np.cos(arc)])])
        piece = shapely.intersection(rural, shapely.Polygon(frame.to_deg(fan)))
        piece = shapely.MultiPolygon([p for p in shapely.get_parts(piece) if p.geom_type == "Polygon" and p.area > 0])
        if piece.is_empty:
            continue
        records.append(_record(f"{district_code}{101 + len(records)}", name, piece))
    return records
