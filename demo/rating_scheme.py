"""The demo district's star-rating scheme: 22 criteria in 5 areas, 100 points, after the practice of
a district that rates its community Party organisations every quarter against 22 criteria in five
areas (team, institutions, premises, members, service platform). Eight criteria are computed from
govgrid's own figures, their thresholds set against the spread of the demo's year (a sixth item gives
the points of a community with nothing to count: no item consulted, no service rated); the others
are scored by people, with what a site inspection may deduct."""

LEDGER = [{"code": "ledger", "name": "台账资料不全", "points": 1}]
SIGNS = [{"code": "signs", "name": "制度未上墙或标识缺失", "points": 1}]
ABSENT = [{"code": "absent", "name": "抽查时无人值守", "points": 2}]

SPEC = [
    ("A", "队伍建设", [
        ("A1", "社区“两委”班子配备齐全、结构合理", 4, "班子成员按职数配齐得4分，每缺1人扣1分", LEDGER),
        ("A2", "书记履职尽责、抓党建述职", 4, "按述职评议情况打分", LEDGER),
        ("A3", "网格力量全覆盖（网格员、党小组、服务队、联系户、服务站）", 4, "coverage_full",
         [[0.9, 4], [0.7, 3], [0.5, 2], [0.3, 1]]),
        ("A4", "党员教育培训每年不少于一次", 4, "查培训记录与签到", LEDGER),
        ("A5", "后备干部培养", 4, "有培养计划和人选得满分", LEDGER),
    ]),
    ("B", "制度机制", [
        ("B1", "“三会一课”落实", 5, "查会议记录", LEDGER + SIGNS),
        ("B2", "每月民情研判", 5, "每月召开并有记录", LEDGER),
        ("B3", "协商议事事项办结", 5, "consultations_solved", [[0.9, 5], [0.8, 4], [0.7, 3], [0.5, 2]], 2),
        ("B4", "党务、居务公开", 5, "按时公开、内容完整", SIGNS),
    ]),
    ("C", "阵地建设", [
        ("C1", "党群服务中心面积与功能分区", 4, "面积达标、分区合理", SIGNS),
        ("C2", "标识标牌规范统一", 4, "按统一标准制作", SIGNS),
        ("C3", "开放时间与值班制度", 4, "每天开放、有人值班", ABSENT),
        ("C4", "红色物业与小区党组织", 3, "小区党组织覆盖情况", LEDGER),
    ]),
    ("D", "党员作用", [
        ("D1", "双报到党员志愿服务时长", 5, "volunteer_hours", [[400, 5], [250, 4], [150, 3], [80, 2], [30, 1]]),
        ("D2", "党员联系户每周走访", 5, "visits_done", [[0.95, 5], [0.92, 4], [0.88, 3], [0.8, 2], [0.6, 1]]),
        ("D3", "党员联系户台账", 5, "联系户名单、走访记录完整", LEDGER),
        ("D4", "居民对志愿服务满意", 5, "service_satisfaction", [[0.98, 5], [0.95, 4], [0.9, 3], [0.8, 1]], 3),
    ]),
    ("E", "服务平台", [
        ("E1", "小事不出网格：网格内办结", 6, "closed_in_grid",
         [[0.85, 6], [0.8, 5], [0.75, 4], [0.7, 3], [0.6, 2]]),
        ("E2", "按时办结", 5, "on_time_rate", [[0.95, 5], [0.92, 4], [0.89, 3], [0.85, 2]]),
        ("E3", "群众满意度", 6, "satisfaction", [[0.85, 6], [0.78, 5], [0.7, 4], [0.62, 3], [0.5, 2]], 3),
        ("E4", "“码上办”受理与回复", 4, "扫码反映及时受理、回复", ABSENT),
        ("E5", "便民服务项目", 4, "项目清单与办理记录", LEDGER),
    ]),
]  # fmt: skip
