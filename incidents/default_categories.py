"""The categories a new database starts with, after digital urban-management practice (components
部件 and events 事件) and community governance. Hours per level: grid, community, street; urgent
items run in calendar time. Administrators edit them in the admin."""

# (code, name, [(item code, item name, grid h, community h, street h, calendar time)])
DEFAULT_CATEGORIES = [
    (
        "01",
        "公用设施",
        [
            ("0101", "井盖破损或缺失", 4, 8, 24, True),
            ("0102", "路灯损坏", 24, 48, 72, False),
            ("0103", "供水、排水设施损坏", 8, 24, 48, True),
            ("0104", "公共厕所、垃圾箱损坏", 24, 48, 96, False),
        ],
    ),
    (
        "02",
        "道路交通",
        [
            ("0201", "道路破损、坑洼", 24, 72, 120, False),
            ("0202", "交通标志、护栏损坏", 24, 48, 96, False),
            ("0203", "非机动车乱停放", 4, 24, 48, False),
        ],
    ),
    (
        "03",
        "市容环境",
        [
            ("0301", "暴露垃圾、积存垃圾", 4, 24, 48, False),
            ("0302", "乱张贴、乱涂写", 24, 48, 72, False),
            ("0303", "道路不洁、污水横流", 8, 24, 48, False),
        ],
    ),
    (
        "04",
        "园林绿化",
        [
            ("0401", "绿地脏乱、毁绿", 24, 72, 120, False),
            ("0402", "树木倒伏、断枝", 4, 8, 24, True),
        ],
    ),
    (
        "05",
        "街面秩序",
        [
            ("0501", "占道经营", 4, 24, 48, False),
            ("0502", "店外经营、乱堆物料", 8, 24, 48, False),
            ("0503", "违规施工、渣土撒漏", 8, 24, 48, False),
        ],
    ),
    (
        "06",
        "矛盾纠纷",
        [
            ("0601", "邻里纠纷", 48, 120, 240, False),
            ("0602", "家庭纠纷", 48, 120, 240, False),
            ("0603", "物业纠纷", 72, 168, 240, False),
        ],
    ),
    (
        "07",
        "安全隐患",
        [
            ("0701", "消防安全隐患", 2, 8, 24, True),
            ("0702", "燃气安全隐患", 2, 4, 12, True),
            ("0703", "房屋安全隐患", 8, 24, 72, True),
        ],
    ),
    (
        "08",
        "民生服务",
        [
            ("0801", "困难群众帮扶", 72, 168, 240, False),
            ("0802", "政策咨询", 24, 72, 120, False),
            ("0803", "孤寡老人关爱", 48, 120, 240, False),
        ],
    ),
]

# Classes and items whose cases concern a person's own matters: disputes (矛盾纠纷) name the parties
# and happen at their homes, livelihood services (民生服务) are about one household's needs. They are
# left out of public Open311 answers. Kept apart from DEFAULT_CATEGORIES because the flag came later:
# migration 0002 loads the list above with a Category that has no such field.
SENSITIVE_CODES = ["06", "0601", "0602", "0603", "08", "0801", "0802", "0803"]


def load_default_categories(Category):
    """Create the default categories that are missing (by code); existing ones are left as edited."""
    for code, name, items in DEFAULT_CATEGORIES:
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name})
        for item_code, item_name, grid_h, community_h, street_h, calendar in items:
            Category.objects.get_or_create(
                code=item_code,
                defaults={
                    "name": item_name,
                    "parent": parent,
                    "deadline_grid_hours": grid_h,
                    "deadline_community_hours": community_h,
                    "deadline_street_hours": street_h,
                    "calendar_time": calendar,
                },
            )


def mark_sensitive_defaults(Category):
    """Flag the default classes and items of SENSITIVE_CODES that exist."""
    Category.objects.filter(code__in=SENSITIVE_CODES).update(sensitive=True)
