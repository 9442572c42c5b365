"""The hotspots planted in the sample: where, when, how many reports a week, and what they name.

``counts`` are reports per week from ``first_week`` on (scaled up for large samples); ``fixed``
pins slot values (the site, the firm, the estate) that every planted report names in varied ways;
``identity``/``grid_core`` replace the topic's openings so that each report names them.
"""
from __future__ import annotations

PLANTED = (
    dict(
        kind="slow_rise", area="369901006002", category="debt", first_week="2025-10-13",
        counts=(1, 1, 2, 3, 4, 5, 6, 7), topics=("debt_private",), channels={"hotline": 0.6, "grid": 0.4},
        description="下湾村顺通砂石场老板刘某向村民借款、赊欠运费货款后拖欠不还，反映逐周增多",
        fixed={"debtor": ("开砂石场的刘某", "顺通砂石场老板刘某某", "顺通砂石场的刘老板", "本村刘某（顺通砂石场老板）",
                          "砂石场老板刘某")},
        identity=("{me}是下湾村{group}村民，", "{me}是给顺通砂石场拉货的货车司机，", "本人系下湾村村民，",
                  "{me}家住下湾村，"),
        grid_core=("下湾村村民{person}反映{debtor}借款{money}逾期未还", "下湾村多户村民反映{debtor}拖欠借款及运费，涉及约{money}",
                   "{debtor}近期联系不上，下湾村有村民上门讨债"),
    ),
    dict(
        kind="site_burst", area="369901005003", category="wage_arrears", first_week="2026-01-05",
        counts=(7, 10), topics=("wage_site",), channels={"hotline": 0.6, "grid": 0.35, "petition": 0.05},
        description="白沙物流园二期项目工地（恒晟建筑劳务有限公司承建）集中欠薪，工人集体讨薪",
        fixed={"site": ("溪山县白沙物流园二期项目工地", "白沙物流园二期工地", "物流园二期项目部", "白沙物流园二期项目",
                        "河口村物流园工地"),
               "company": ("溪山县恒晟建筑劳务有限公司", "恒晟建筑劳务公司", "恒晟劳务", "恒晟公司")},
        identity=("{me}是在{site}干活的农民工，", "{we}是{company}在{site}的工人，", "本人系{site}木工，",
                  "{we}{n}个人跟着{foreman}在{site}做事，"),
    ),
    dict(
        kind="collective_petition", area="369901007003", category="finance", first_week="2026-04-13",
        counts=(6, 9, 5), topics=("finance_scheme", "finance_platform"),
        channels={"petition": 0.4, "hotline": 0.5, "grid": 0.1}, people=(20, 80),
        description="福寿康养老项目以高息返利向茶山村及周边老人集资后停止兑付，群众集体信访",
        fixed={"fin_firm": ("溪山县福寿康养老服务有限公司", "福寿康养老公司", "福寿康公司"),
               "platform": ("福寿康养老项目", "福寿康", "福寿康养老理财")},
        identity=("{we}是投资{platform}的老人，", "{me}母亲在{fin_firm}投了钱，", "{we}是{fin_firm}集资的受害人，",
                  "{me}是茶山村村民，家里老人投了{platform}，"),
        grid_core=("茶山村多名老人反映投资{platform}后无法兑付，涉及{n}户", "{fin_firm}人去楼空，茶山村村民聚集讨要集资款"),
    ),
    dict(
        kind="estate_buyers", area="369901003003", category="real_estate", first_week="2026-06-08",
        counts=(3, 4, 3, 5, 4, 3, 5, 4, 3, 4), topics=("estate_delay", "estate_certificate"),
        channels={"hotline": 0.7, "petition": 0.2, "grid": 0.1},
        description="金鼎置业开发的翡翠湾花园逾期交房、不动产权证迟迟不办，购房者每周反映",
        fixed={"estate": ("翡翠湾花园", "翡翠湾", "翡翠湾小区", "翡翠湾花园项目"),
               "developer": ("溪山县金鼎置业有限公司", "金鼎置业", "金鼎置业公司")},
        identity=("{me}是{estate}的业主，", "本人系{developer}开发的{estate}购房者，", "{we}是{estate}{building}栋的业主，",
                  "{me}在{date}买了{developer}的{estate}，"),
        # the buyers' joint letter: each petition of theirs is this letter, signed with the writer's
        # flat ({building}, {room}) and name (a copied letter is itself a sign of an organised matter)
        letter=("尊敬的县委、县政府领导：我们是翡翠湾花园的购房业主。溪山县金鼎置业有限公司在购房合同中承诺"
                "2025年6月30日前交房，至今已逾期一年，工地时开时停，售楼部对业主的询问一概推说等通知。"
                "已收房的业主迟迟办不下不动产权证，孩子上学落户都受影响。我们大多每月还着房贷，还要另外租房，"
                "经济和精神压力都很大。恳请县委县政府责成住建部门约谈开发商，公布复工和交房时间表，"
                "监管好预售资金，依法维护购房者的合法权益。翡翠湾花园{building}栋{room}室业主：{name}"),
    ),
)
