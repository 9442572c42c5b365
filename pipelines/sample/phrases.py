"""Phrase fragments the sample texts are assembled from: data only, no logic.

A *topic* is what a report is about. It carries its ground-truth labels (GUIDE.md rules), the
categories an operator of each channel would file it under, and fragment pools. Texts are built by
texts.py from independently chosen fragments; ``{slot}``s are filled there (names, amounts, dates,
places; ``{me}``/``{I}``/``{we}`` switch between first person and the hotline operator's summary).
"""
from __future__ import annotations

# ---------------------------------------------------------------- shared pools, by family of topic
GREETINGS = ("尊敬的领导：", "尊敬的领导您好！", "您好，", "领导好，", "你好！", "尊敬的县长：",
             "尊敬的各位领导：", "尊敬的县委书记：", "各位领导你们好，", "书记您好：", "", "", "", "", "", "")
PETITION_GREETINGS = ("尊敬的县委、县政府领导：", "尊敬的信访局领导：", "尊敬的县领导：", "尊敬的各位领导：",
                      "县信访局：", "尊敬的县长：", "")
SIGN_OFFS = ("", "", "", "", "谢谢！", "谢谢领导！", "万分感谢！", "此致敬礼！", "盼复。", "望早日回复，谢谢。")
HOTLINE_OPENERS = ("来电人反映：", "来电人反映，", "市民来电反映：", "来电反映：", "来电人称：", "市民反映，")

TRIED = {
    "dispute": (
        "多次找{target}协商无果", "找了{target}好几次，每次都说再等等", "去了街道办反映，说会协调，后来就没有下文了", "村委会调解过两次，对方当面答应，过后又不认账", "找过司法所，对方不肯出面", "向镇里反映过，一直拖着没处理",
        "打过12345，回复说已转交相关部门，但问题没有解决", "对方电话不接，微信也把{I}拉黑了",
        "{target}一直推脱，一会说没钱一会说找别人", "写过材料交到县里，石沉大海", "请律师发过函，对方置之不理",
        "找过社区网格员，网格员也联系不上对方",
    ),
    "complaint": (
        "之前反映过一次，管了两天又恢复原样", "跟对方说过好几次，没有用", "找过社区，社区说不归他们管",
        "打过好几次电话，一直没人处理", "问过镇里，说要等上面安排",
        "已经持续很长时间了", "周边居民意见都很大",
    ),
    "service": ("跟对方协商过，对方不理", "打过他们的客服电话，没有结果", "当场找过负责人，负责人推说不知道",
                "已经向市场监管部门反映过", ""),
    "question": ("在网上查了没有找到明确的说法", "问过窗口工作人员，说法不一", "打过相关部门的电话一直占线",
                 "身边的人说法都不一样", ""),
}
IMPACT = {
    "dispute": (
        "家里老人生病住院等着钱用", "孩子开学的学费都交不上", "眼看就要过年了，回家连车票钱都没有",
        "{I}一家老小就指望这点钱过日子", "现在连房租都交不起", "为了这事{I}已经好几个晚上睡不着觉",
        "工友们情绪很大，有人说要去堵门", "再拖下去真不知道怎么办", "{I}身体本来就不好，被这件事拖得更差了",
        "这些钱是{I}辛辛苦苦攒下的血汗钱", "{we}都是普通老百姓，耗不起",
    ),
    "complaint": ("严重影响周边居民的正常生活", "老人小孩晚上都睡不好", "出行很不方便，存在安全隐患",
                  "群众怨声载道", "给附近居民带来很大困扰", ""),
    "service": ("耽误了很多时间", "心里实在咽不下这口气", ""),
    "question": ("",),
}
REQUESTS_FIRST = {
    "dispute": (
        "恳请有关部门尽快督促解决", "希望政府主持公道", "请领导给{we}做主", "请求相关部门帮忙追回",
        "希望有关部门依法处理，维护{we}的合法权益", "恳请领导高度重视，早日给{we}一个说法",
        "请政府出面协调，不要让{we}的血汗钱打了水漂", "希望能尽快得到答复", "请相关部门介入调查",
        "盼望领导能帮帮{we}这些老百姓", "请求依法严肃处理",
    ),
    "complaint": ("请相关部门尽快处理", "希望有关部门管一管", "恳请尽快解决", "请职能部门予以整治",
                  "希望能早日解决，还居民一个安宁", "请有关部门来现场看看", "建议加强管理"),
    "service": ("请有关部门查处", "希望相关部门督促整改", "请帮忙维护消费者的合法权益", "希望给个说法"),
    "question": ("请问该怎么办理？", "请给予解答，谢谢。", "希望相关部门给个明确答复。", "具体需要哪些材料？",
                 "想了解一下具体政策。", "请问有没有相关规定？"),
}
REQUESTS_THIRD = {
    "dispute": ("诉求：请相关部门督促解决。", "诉求：希望尽快协调支付。", "诉求：请求有关部门介入处理。",
                "来电人希望相关部门尽快处理。", "诉求：维护其合法权益。", "请相关部门核实处理。",
                "诉求：请尽快给予答复。"),
    "complaint": ("诉求：请相关部门尽快处理。", "请相关部门核实处理。", "诉求：希望予以整治。",
                  "来电人希望尽快解决。", "诉求：请职能部门到现场查看。"),
    "service": ("诉求：请相关部门核实处理。", "诉求：要求商家退赔。", "来电人希望相关部门督促整改。"),
    "question": ("来电人咨询具体办理流程。", "诉求：请相关部门给予解答。", "来电人希望得到政策解答。",
                 "请相关部门回复来电人。"),
}
GRID_WHEN = ("", "", "", "今日", "上午", "下午", "当日", "近日", "今天上午", "傍晚")
GRID_WHERE = ("", "", "", "辖区内", "{street}附近")
GRID_EXTRA = ("涉及{n}人", "当事人情绪较为激动", "现场秩序正常", "围观群众较多", "双方各执一词", "当事人表示将继续反映",
              "已留存现场照片", "已做好记录", "", "", "", "")
GRID_FOLLOW = ("下一步将持续跟踪。", "网格员将定期回访。", "待相关部门答复后告知当事人。", "", "", "", "")
GRID_OPENERS = ("巡查发现，", "经走访了解，", "接群众反映，", "网格员入户走访时获悉，", "日常巡查中发现，",
                "据{village}群众反映，", "网格员走访中了解到，", "")
GRID_ACTIONS = {
    "dispute": ("已劝导双方保持冷静，建议通过调解解决。", "已登记并上报镇综治中心。", "已联系村调解委员会介入。",
                "已做好当事人情绪安抚工作，建议司法所介入调解。",
                "已告知当事人依法维权途径。", "现场已劝离，建议持续关注。", "已报告社区，后续跟踪。"),
    "complaint": ("已拍照取证并上报。", "已联系相关单位处理。", "已劝导，建议相关部门加强巡查。",
                  "已现场整改。", "已上报城管中队。", "已通知责任单位限期整改。"),
    "service": ("已劝导双方协商解决。", "已告知12315投诉渠道。", "已上报相关部门。"),
    "question": ("已向群众做好政策解释。", "已告知办理流程。", "已上报镇便民服务中心。"),
}
DETAIL_SHARED = {
    "dispute": (
        "这个事情周边很多人都知道", "相关的材料{I}都复印了一份",
        "事情已经过去{months}了", "{I}之前一直相信对方会处理，结果越拖越久", "对方态度十分恶劣",
        "一开始对方态度还算客气，后来干脆不接电话了", "{I}前前后后跑了不下十趟，每次都是同样的答复",
        "对方还放话说随便去哪里告", "为了这件事{I}请了好几次假，误工的损失也不小", "{I}文化不高，实在不知道还能找谁",
        "周围的人都劝{I}算了，可这口气实在咽不下", "{we}也不想把事情闹大，只求合理解决", "眼看一天天拖下去，心里越来越着急",
        "听说和{I}情况一样的还有好几家", "{date}那次见面，对方当着几个人的面承诺会处理", "对方一会儿说在想办法，一会儿又说没有钱",
        "中间人也出面说过几次，都没有用", "{I}不想走法律程序，太耗时间也耗不起",
    ),
    "complaint": (
        "这种情况已经持续了{months}", "白天还好一点，主要是晚上", "附近有学校和卫生院，人来人往", "周边住的大多是老人和小孩",
        "周边几栋楼的住户都有意见", "之前也有人反映过，问题一直没有得到根本解决", "{I}拍了视频可以作证",
        "下雨天情况更严重", "有时候周末更厉害", "{we}也理解要发展，但总要顾及群众的生活",
    ),
    "service": ("当时还有其他顾客在场可以作证", "小票和付款记录都在", "对方一开始答应处理，后来又反悔",
                "{I}也不想为这点事费这么大周折", "工作人员互相推诿，没人负责"),
    "question": ("{I}是第一次办这个，不太懂", "家里老人不会用手机，网上办理很不方便", "之前的政策和现在好像不一样了",
                 "身边好几个朋友也有同样的疑问", "去窗口问又要排很久的队", ""),
}
PETITION_LEADS = ("现将有关情况反映如下：", "具体情况如下：", "事情经过是这样的：", "特向领导反映以下情况：", "", "", "")
PETITION_CLOSINGS = ("以上情况属实，如有不实，愿承担法律责任", "恳请领导在百忙之中过问此事", "盼望早日得到答复",
                     "{we}相信党和政府一定会为{we}做主", "")
PETITION_LAW = {
    "wage": ("根据《保障农民工工资支付条例》的规定，施工总承包单位对拖欠农民工工资负有清偿责任",
             "《劳动合同法》规定用人单位应当及时足额支付劳动报酬"),
    "debt": ("依照《民法典》的有关规定，借款人应当按照约定的期限返还借款", "欠债还钱天经地义，何况有借条为证"),
    "family": ("我国法律明确规定子女有赡养老人的义务", "《反家庭暴力法》明确禁止任何形式的家庭暴力",
               "相邻关系应当按照有利生产、方便生活、团结互助、公平合理的原则处理"),
    "finance": ("《防范和处置非法集资条例》明确规定，非法集资人应当清退集资资金", "这种承诺保本高息的做法明显涉嫌非法吸收公众存款"),
    "estate": ("按照购房合同的约定，开发商逾期交房应当承担违约责任", "开发商收了购房款就应当按时交房、按时办证"),
}

# Pools specific to each risk family, added to the common dispute pools above.
_SPECIFIC = {
    "wage": dict(
        tried=("打过劳动监察电话，至今没有结果", "去人社局递过材料", "申请过劳动仲裁，现在还在排期", "到项目部找过好几回，门卫都不让进"),
        impact=(), detail=("{we}都是从农村出来打工的，就靠一身力气吃饭", "干活的时候说得好好的，月底一定结账",
                           "{I}一天活都没少干，该拿的钱却拿不到")),
    "debt": dict(
        tried=("去法院起诉过，判了也执行不到", "{we}也报过警，派出所说这是经济纠纷不归他们管", "托了中间人去说和"),
        impact=("{I}自己还欠着银行的贷款，每个月都要还", "这笔钱本来是准备给孩子读大学的", "家里因为这笔钱天天吵架"),
        detail=("{I}手上有相关的聊天记录和转账凭证", "当初看在多年交情的份上才借给他", "对方当时说最多两个月就还", "利息{I}都可以不要")),
    "family": dict(
        tried=("村委会调解过，没有效果", "找过妇联，妇联也做了工作", "派出所出过警", "司法所调解过一次，签了协议也不执行",
               "请了族里的长辈出面说和"),
        impact=("孩子受了很大的惊吓", "老人天天以泪洗面", "{I}精神压力很大，晚上整夜睡不着", "家里已经被闹得鸡犬不宁"),
        detail=("都是一个村住了几十年的人，闹成这样谁也不愿意", "{I}也不想把关系搞僵，可实在忍无可忍")),
    "finance": dict(
        tried=("已经向公安机关报过案", "去县金融办反映过", "投资人一起去公司讨说法，大门紧锁", "找过介绍人，介绍人说自己也被骗了"),
        impact=("老人们的养老钱全没了", "有的老人气得住进了医院", "很多家庭因此背上了债", "{I}都不敢告诉家里人"),
        detail=("刚开始每个月都按时返利，所以很多人又追加了投资", "业务员专门挑老年人下手", "签的合同上盖的章也不知道是真是假")),
    "estate": dict(
        tried=("多次到售楼部讨说法", "向住建局反映过", "业主们联名写过信", "找过开发商的负责人，对方避而不见"),
        impact=("每个月还着房贷还要付房租", "孩子上学落户都受影响", "全家人的积蓄都搭进去了"),
        detail=("买房的时候销售说得天花乱坠", "现在售楼部都换了一批人，谁也说不清楚", "{we}业主建了群，大家都很着急")),
}
for _fam, _pools in _SPECIFIC.items():
    TRIED[_fam] = TRIED["dispute"] + _pools["tried"]
    IMPACT[_fam] = IMPACT["dispute"] if _fam == "wage" else tuple(IMPACT["dispute"][i] for i in (5, 7, 8, 9, 10)) + _pools["impact"]
    DETAIL_SHARED[_fam] = DETAIL_SHARED["dispute"] + _pools["detail"]
    REQUESTS_FIRST[_fam] = REQUESTS_FIRST["dispute"]
    REQUESTS_THIRD[_fam] = REQUESTS_THIRD["dispute"]
GRID_ACTIONS["wage"] = GRID_ACTIONS["dispute"] + ("已上报，建议劳动监察部门跟进。", "已通知项目负责人到场说明情况。")
GRID_ACTIONS["debt"] = GRID_ACTIONS["dispute"] + ("已告知当事人可通过诉讼途径解决。",)
GRID_ACTIONS["family"] = GRID_ACTIONS["dispute"] + ("已联系妇联和村调委会介入。", "已对双方进行劝解，矛盾暂时缓和。")
GRID_ACTIONS["finance"] = ("已上报镇金融风险防控工作组。", "已向派出所通报。", "已向群众宣传防范非法集资知识。", "已登记受损群众信息并上报。")
GRID_ACTIONS["estate"] = ("已上报住建部门。", "已联系开发商到场说明情况。", "已做好业主情绪疏导，建议相关部门约谈开发商。", "已登记并上报街道。")

# ---------------------------------------------------------------- topics
# weight: share among topics of the same label set; urban/rural: relative rates by area type.
W, D, F, FI, R = "wage_arrears", "debt", "family_neighbour", "finance", "real_estate"

TOPICS: dict[str, dict] = {}

TOPICS["wage_site"] = dict(
    labels=(W,), family="wage", weight=3.0, urban=1.0, rural=1.2, target="包工头和公司",
    hotline=("劳动保障/拖欠工资",), petition=("劳动社保-拖欠工资",), grid=("矛盾纠纷-劳资纠纷",),
    wrong=("民事纠纷/借贷纠纷", "城乡建设/建筑市场", "涉法涉诉-借贷纠纷", "矛盾纠纷-债务纠纷"),
    titles=("{site}拖欠农民工工资", "反映{company}欠薪问题", "讨要工地工资", "农民工工资被拖欠",
            "{site}工人讨薪", "要求支付劳务费", "包工头拖欠工钱不给"),
    identity=("{me}是在{site}干活的农民工，", "{me}是一名木工，在{site}做了{months}，",
              "{we}是{company}承建的{site}的工人，", "本人系{site}钢筋工，", "{me}跟着{foreman}在{site}做泥水工，",
              "{we}一共{n}个人在{site}做架子工，"),
    core=("到现在工资一分钱都没拿到，一共{wage}", "{foreman}拖欠{we}工资{wage}，一直拖着不给",
          "项目完工了，{company}说上面工程款没拨下来，工资就一直不结", "{foreman}说钱在项目部，项目部又说钱早给了包工头，两边推来推去",
          "{we}{n}名工人的工钱拖了{months}没发，总共{wage}", "从{date}进场到现在，只发过几次生活费",
          "项目经理{person}答应{date}之前结清，到期又找借口", "{site}停工以后老板就联系不上了，{we}的劳务费没人管",
          "做完的活都验收了，剩下{wage}的工资就是不给", "讨了{months}的薪，{foreman}现在干脆躲起来了"),
    detail=("工资表上都有{I}的签字和出勤记录", "当初说好的一天{daily}元", "{I}手里有{foreman}写的欠条",
            "听说总包单位已经把钱拨给分包了", "同班组的工友也都没拿到钱", "{company}的人说要等审计完才能结算",
            "项目上还有{n}个工人跟{I}一样的情况"),
    grid_core=("{site}有{n}名工人聚集在项目部门口讨要工资，涉及金额约{wage}", "{village}村民{person}反映在{site}务工被拖欠工资{wage}",
               "{company}所承建的{site}与工人因工资结算发生争执", "{site}工人反映{foreman}拖欠劳务费，情绪较为激动"),
)
TOPICS["wage_factory"] = dict(
    labels=(W,), family="wage", weight=2.0, urban=1.1, rural=0.9, target="厂里",
    hotline=("劳动保障/拖欠工资",), petition=("劳动社保-拖欠工资",), grid=("矛盾纠纷-劳资纠纷",),
    wrong=("劳动保障/劳动合同", "劳动保障/政策咨询", "劳动社保-劳动关系"),
    titles=("{factory}拖欠工资", "工厂停产工资未发", "反映企业拖欠员工工资", "{factory}欠薪", "辞职后工资不结"),
    identity=("{me}是{factory}的员工，", "{me}原来在{factory}上班，", "{we}是{factory}的一线工人，",
              "本人于{date}入职{factory}，", "{me}在工业园一家厂里做普工，"),
    core=("厂里已经{months}没发工资了", "{date}辞职后，最后{months}的工资{wage}一直没结", "老板说厂里资金周转困难，工资先欠着",
          "厂子停产了，老板{person}把设备拉走，{we}{n}个人的工资没有着落", "每个月只发一半，剩下的说年底一起给，到现在也没给",
          "离职时说好一个月内打到工资卡上，到现在都没收到", "公司以各种理由扣{I}的工资，该发的{wage}一直不发",
          "加班费从来没算过，一个月加班七八十个小时", "公司单方面辞退{I}，既不给经济补偿也不结工资"),
    detail=("厂里也没有跟{we}签劳动合同", "问财务，财务说老板不签字不能发", "厂里很多人都走了，剩下的也在观望",
            "{I}在厂里干了{years}年", "老板现在电话都打不通", "听说厂房已经抵押给银行了"),
    grid_core=("{factory}{n}名员工反映企业拖欠工资{months}", "{village}{factory}停产，员工工资未结清，涉及约{wage}",
               "{factory}员工{person}与企业因离职工资结算产生纠纷"),
)
TOPICS["wage_service"] = dict(
    labels=(W,), family="wage", weight=1.2, urban=1.3, rural=0.7, target="老板",
    hotline=("劳动保障/拖欠工资",), petition=("劳动社保-拖欠工资",), grid=("矛盾纠纷-劳资纠纷",),
    wrong=("商贸旅游/消费维权", "民事纠纷/借贷纠纷"),
    titles=("饭店拖欠服务员工资", "{employer}不发工资", "辞职后工资被扣", "讨要{months}工资"),
    identity=("{me}在{employer}当服务员，", "{me}是{employer}的员工，", "{me}之前在城区一家{employer}做厨师，",
              "{me}在{employer}做保洁，"),
    core=("老板拖着{months}的工资不发，一共{wage}", "辞职的时候老板说押一个月工资，现在也不退",
          "店面转让了，老板{person}跑了，{we}几个员工的工资没人管", "老板说生意不好，工资先欠着，已经欠了{months}",
          "试用期干了一个多月，老板一分钱不给", "老板以各种理由克扣工资，实际到手不到一半"),
    detail=("{I}有考勤记录和微信聊天记录", "店里其他几个人也一样", "老板说要告就去告", "当时没签合同"),
    grid_core=("{employer}员工{person}反映老板拖欠工资约{wage}", "{employer}经营不善关门，{n}名员工工资未结"),
)
TOPICS["wage_social_insurance"] = dict(
    labels=(W,), family="wage", weight=0.7, urban=1.2, rural=0.8, target="公司",
    hotline=("劳动保障/拖欠工资", "劳动保障/社保缴纳"), petition=("劳动社保-拖欠工资",),
    grid=("矛盾纠纷-劳资纠纷",), wrong=("劳动保障/政策咨询", "劳动社保-社会保险", "卫生计生/医疗"),
    titles=("公司不给员工缴社保", "单位欠缴社保", "反映企业未缴纳社会保险"),
    identity=("{me}在{factory}工作{years}年了，", "{we}是{employer}的员工，", "本人系{factory}职工，"),
    core=("公司从来没给{we}交过社保，每个月还从工资里扣了社保的钱", "单位拖欠{we}的养老保险{months}没有缴纳",
          "去社保局查了才发现公司{date}以后就停缴了，工资里却一直在扣", "老板说交社保就要降工资，{we}不同意就不给交"),
    detail=("现在生病住院医保都用不了", "{I}马上到退休年龄了，断缴影响很大", "公司里几十个人都是这样"),
    grid_core=("{factory}职工反映企业未依法为其缴纳社会保险",),
)
TOPICS["debt_private"] = dict(
    labels=(D,), family="debt", weight=2.5, urban=1.0, rural=1.1, target="对方",
    hotline=("民事纠纷/借贷纠纷",), petition=("涉法涉诉-借贷纠纷",), grid=("矛盾纠纷-债务纠纷",),
    wrong=("民事纠纷/邻里纠纷", "金融/理财投资", "矛盾纠纷-邻里纠纷", "民政-婚姻家庭"),
    titles=("借钱不还", "{debtor}欠款不还", "民间借贷纠纷", "借条到期对方不还款", "要回借款"),
    identity=("", "{me}是{place}村民，", "本人系{place}居民，", "{me}在城区做点小生意，"),
    core=("{date}{debtor}向{I}借了{money}，打了借条，约定{months}后还清，到期后一直不还",
          "{debtor}找{I}借钱说是做生意周转，前后借走{money}，现在人找不到了", "{debtor}欠{I}{money}，欠条写得清清楚楚，就是赖着不还",
          "亲戚介绍{debtor}跟{I}借了{money}，说好按月付利息，付了两个月就停了", "{I}给{debtor}做了担保，现在他不还钱，银行找{I}还款",
          "{debtor}每次催都说下个月还，拖了{months}了", "法院判了{debtor}还钱，可他名下没有财产，一直执行不了"),
    detail=("借条和转账记录{I}都有", "{debtor}现在开着新车，说没钱谁信", "利息{I}都不要了，只要把本金还给{I}",
            "他还向村里好几户人借过钱", "对方说有本事就去告", "这是{I}准备给儿子结婚用的钱"),
    grid_core=("{village}村民{person}反映{debtor}借款{money}逾期未还，双方多次发生争吵", "{place}居民{person}与{debtor}因借款纠纷产生矛盾",
               "{debtor}欠同村多户村民借款，涉及金额约{money}"),
)
TOPICS["debt_business"] = dict(
    labels=(D,), family="debt", weight=1.5, urban=1.0, rural=1.0, target="对方公司",
    hotline=("民事纠纷/借贷纠纷",), petition=("涉法涉诉-借贷纠纷",),
    grid=("矛盾纠纷-债务纠纷",), wrong=("劳动保障/拖欠工资", "商贸旅游/合同纠纷", "经济管理-合同纠纷"),
    titles=("{company}拖欠货款", "工程款拖欠不付", "要求支付材料款", "欠款纠纷"),
    identity=("{me}是做建材生意的，", "{me}经营一家沙石场，", "本人系{factory}负责人，", "{me}是开农资店的，",
              "{me}是做钢材批发的个体户，"),
    core=("{date}给{company}供应钢管扣件，货款{money}至今未付", "{company}承包的{site}用了{I}{money}的材料，对账单签了字就是不给钱",
          "{company}欠{I}工程款{money}，结算单都出了，一拖再拖", "{debtor}在{I}店里赊了{money}的化肥农药，说好收了稻谷就还，到现在没给",
          "下游客户{factory}拖欠{I}货款{money}，催了{months}没有动静", "给{debtor}的饭店长期送菜，累计欠{I}{money}"),
    detail=("对账单、送货单都在{I}这里", "{I}自己也欠着上游供应商的钱，压力很大", "对方公司现在换了法人",
            "听说他们欠了很多家的钱"),
    grid_core=("{company}拖欠个体户{person}材料款{money}，双方发生争执", "{village}农资店经营户反映{debtor}赊欠货款{money}未还"),
)
TOPICS["debt_deposit"] = dict(
    labels=(D,), family="debt", weight=0.8, urban=1.3, rural=0.6, target="商家",
    hotline=("民事纠纷/借贷纠纷",), petition=("涉法涉诉-借贷纠纷",), grid=("矛盾纠纷-债务纠纷",),
    wrong=("商贸旅游/消费维权", "城乡建设/物业管理", "其他"),
    titles=("押金不退", "房东不退押金", "预付款退不回来", "定金拒不退还"),
    identity=("", "{me}租住在{estate_here}，", "{me}在{street}开过一家店，"),
    core=("退租后房东{person}以各种理由扣着{I}{money_small}押金不退", "在一家健身房办了卡，现在关门了，预存的{money_small}找不到人退",
          "交了{money_small}定金，后来对方违约却不肯退定金", "车辆租赁公司押了{I}{money_small}押金，车还了一个多月还没退"),
    detail=("合同上写得明明白白", "打电话过去就说在走流程", "一起办卡的还有好多人"),
    grid_core=("{estate_here}租户{person}反映房东拒不退还押金{money_small}",),
)
TOPICS["debt_collection"] = dict(
    labels=(D,), family="debt", weight=0.6, urban=1.1, rural=0.9, target="催收公司",
    hotline=("民事纠纷/借贷纠纷",), petition=("涉法涉诉-借贷纠纷",), grid=("矛盾纠纷-债务纠纷",),
    wrong=("金融/网络贷款", "公安/治安"),
    titles=("暴力催收", "催收人员上门骚扰", "被催收电话轰炸"),
    identity=("", "{me}是{place}居民，", "本人家住{estate_here}，"),
    core=("家人欠了网贷，催收人员天天打电话骚扰{I}和{I}的同事", "{debtor}欠了别人钱，债主带了几个人到{I}家门口堵门泼油漆",
          "催收的人冒充律师打电话威胁{I}，说要上门", "借了{money_small}，利息滚到现在要还{money}，不还就天天骚扰"),
    detail=("通讯录里的亲戚朋友都被打了电话", "家里老人被吓得住了院", "已经影响到正常工作"),
    grid_core=("{estate_here}住户反映有人上门催债并在门口喷漆", "{village}有外来人员上门暴力催收，已劝离"),
)
TOPICS["family_marriage"] = dict(
    labels=(F,), family="family", weight=1.5, urban=1.0, rural=1.1, law=("《反家庭暴力法》明确禁止任何形式的家庭暴力",), target="对方",
    hotline=("民事纠纷/婚姻家庭",), petition=("民政-婚姻家庭",), grid=("矛盾纠纷-婚姻家庭",),
    wrong=("民事纠纷/邻里纠纷", "妇联/妇女儿童权益", "矛盾纠纷-邻里纠纷"),
    titles=("家庭暴力求助", "离婚纠纷", "丈夫经常打人", "婚姻家庭矛盾", "抚养费不给"),
    identity=("", "{me}是{place}人，", "本人嫁到{village}{years}年，", "{me}今年{age}岁，"),
    core=("{I}{relative_spouse}经常喝了酒就动手打{I}，上个月把{I}打到住院", "{I}和{relative_spouse}已经分居{months}，他不同意离婚，还天天来闹",
          "离婚时法院判{relative_spouse}每月给孩子{money_small}抚养费，他一次都没给过", "{relative_spouse}在外面有人了，把家里的存款都转走了",
          "和婆家因为彩礼的事闹得很僵，{relative_spouse}把孩子带走不让{I}见", "{relative_spouse}赌博欠了一屁股债，还逼{I}去借钱"),
    detail=("{I}去妇联反映过", "派出所出过警，也只是教育了几句", "孩子现在都不敢回家", "{I}身上还有伤，拍了照片"),
    grid_core=("{village}村民{person}夫妻因家庭琐事发生争吵，女方称遭丈夫殴打", "{estate_here}住户{person}夫妻矛盾激化，女方回娘家",
               "{village}{person}与丈夫闹离婚，双方因孩子抚养问题争执"),
)
TOPICS["family_elder"] = dict(
    labels=(F,), family="family", weight=1.2, urban=0.7, rural=1.4, law=("我国法律明确规定子女有赡养老人的义务",), target="几个子女",
    hotline=("民事纠纷/婚姻家庭",), petition=("民政-婚姻家庭",), grid=("矛盾纠纷-婚姻家庭",),
    wrong=("民政/养老服务", "民政-社会救助", "民生服务"),
    titles=("子女不赡养老人", "老人赡养问题", "遗产继承纠纷", "兄弟分家产纠纷"),
    identity=("", "{me}今年{age_old}岁，住在{place}，", "{me}是{village}的村民，"),
    core=("{I}有三个儿子，现在谁都不管{I}，一个月给不了几百块钱", "{relative}不让老人进门，老母亲只能住在柴房里",
          "父亲去世后留下的老房子，几兄弟为了分房子闹翻了", "老人的赡养费几个子女互相推，谁都不愿意出",
          "{relative}把老人的养老金卡拿走了，老人看病的钱都没有", "兄弟姐妹为老屋拆迁款分配吵得不可开交"),
    detail=("村里调解过一次，签了协议也不执行", "老人身体不好，常年吃药", "{I}也是没办法才来反映"),
    grid_core=("走访{village}时发现独居老人{person}生活困难，其子女互相推诿赡养责任", "{village}{person}兄弟因老屋继承问题发生争吵"),
)
TOPICS["neighbour_dispute"] = dict(
    labels=(F,), family="family", weight=2.2, urban=1.0, rural=1.0, law=("相邻关系应当按照有利生产、方便生活、团结互助、公平合理的原则处理",), target="邻居",
    hotline=("民事纠纷/邻里纠纷",), petition=("民政-婚姻家庭",), grid=("矛盾纠纷-邻里纠纷",),
    wrong=("城市管理/噪音扰民", "城乡建设/违法建设", "城乡建设/物业管理", "农村农业-土地", "城市管理"),
    titles=("楼上漏水不处理", "邻居违建", "邻里噪音纠纷", "宅基地边界纠纷", "邻居堵路", "楼上噪音扰民"),
    identity=("", "{me}住在{estate_here}，", "{me}是{village}{group}村民，", "本人家住{estate_here}{building}栋，"),
    core=("{neighbour}家卫生间漏水，{I}家天花板都泡坏了，找他们几次都不肯修", "{neighbour}每天半夜拖椅子、跺地板，{I}家孩子根本睡不好",
          "{neighbour}在{I}家门口空地上私自搭棚子，把出入的路都堵了", "{neighbour}建房的时候占了{I}家宅基地一米多",
          "{neighbour}在楼道里堆满杂物，还养了几条狗，吵得不行", "{neighbour}把排水管接到{I}家院子里，下雨天污水横流",
          "{neighbour}在屋顶加盖了一层，挡住了{I}家的采光", "两家因为地界问题已经吵了好几年，最近还动了手",
          "{neighbour}家空调外机正对着{I}家窗户，滴水不断",
          # neighbours as people describe them, often without the word 邻居
          "{I}家前面那户人家把老房子拆了重建，离{I}家不到四米，听说要盖六七层，以后{I}家一点阳光都照不到",
          "顶楼住户私自在楼顶搭了个阳光房，把整栋楼的公共平台占了，{I}家天花板开始渗水他们也不管",
          "旁边一户村民在自家院子里养了几十头猪，粪水和臭气直往{I}家飘，说了好几次都不听",
          "同一个单元有户人家装修把承重墙打掉了，{I}家墙面都裂了，找他们理论还被骂"),
    detail=("物业也上门协调过，他们根本不理", "村干部来看过，说让两家自己商量", "{I}家老人心脏不好，受不了这样折腾",
            "好好说了不听，还骂人"),
    grid_core=("{village}{group}村民{person}与{neighbour}因宅基地边界发生纠纷", "{estate_here}住户反映{neighbour}家漏水，双方协商未果",
               "{village}两户村民因排水问题发生口角，网格员到场劝解", "{estate_here}住户与楼上邻居因噪音问题发生争执"),
)
TOPICS["finance_platform"] = dict(
    labels=(FI,), family="finance", weight=2.0, urban=1.2, rural=0.8, target="平台",
    hotline=("金融/理财投资", "金融/非法集资"), petition=("经济管理-非法集资",), grid=("金融风险-非法集资",),
    wrong=("民事纠纷/借贷纠纷", "商贸旅游/消费维权", "涉法涉诉-借贷纠纷"),
    titles=("{platform}平台无法提现", "{platform}爆雷", "理财平台跑路", "投资款无法兑付", "网贷平台逾期"),
    identity=("", "{me}是{platform}的投资人，", "{we}是{platform}的受害人，", "本人系退休职工，"),
    core=("{date}在{platform}上投了{money}，年化说有百分之十五，现在平台无法提现", "{platform}爆雷了，客服电话打不通，APP也登不上",
          "{fin_firm}以{platform}理财的名义吸收资金，现在老板跑路了", "{platform}承诺保本高息，每月返利，{months}前突然停止兑付",
          "听朋友介绍投了{platform}，一开始还按时返钱，后来就说系统升级不能提现", "{platform}的业务员到小区里推销理财，很多老人都投了"),
    detail=("全县投资人少说也有{n_big}人", "{we}建了个维权群，里面几百号人", "平台的办公室已经人去楼空",
            "{I}的养老钱全部投在里面", "很多人是借钱投的"),
    grid_core=("{estate_here}多名居民反映投资{platform}平台后无法提现", "{village}有村民投资{fin_firm}理财产品，现无法兑付，涉及{n}户"),
)
TOPICS["finance_scheme"] = dict(
    labels=(FI,), family="finance", weight=1.5, urban=0.9, rural=1.1, target="公司",
    hotline=("金融/非法集资", "金融/理财投资"), petition=("经济管理-非法集资",), grid=("金融风险-非法集资",),
    wrong=("卫生计生/保健品", "商贸旅游/消费维权", "其他"),
    titles=("举报非法集资", "养老项目骗局", "举报传销组织", "高息揽储", "保健品公司骗老人钱"),
    identity=("", "{me}是{place}居民，", "{me}母亲今年{age_old}岁，"),
    core=("{fin_firm}在{village}办讲座，送鸡蛋送米面，鼓动老人投钱入股，说一年回报百分之二十",
          "有人以投资养老项目为名收老人的钱，承诺到期还本付息，现在联系不上了", "{street}有个传销窝点，天天拉人头，要交{money_small}入会",
          "{fin_firm}打着合作社的旗号吸收村民存款，说利息比银行高", "{relative}被拉进一个投资群，先后投进去{money}，现在群解散了",
          "一家叫{fin_firm}的公司卖保健品，说买了可以分红，老人们花了几万块"),
    detail=("这明显是非法集资", "受害的大多是老年人", "他们还在继续发展下线", "听说县里已经有人报案了"),
    grid_core=("巡查发现{fin_firm}在{village}组织老年人开展投资宣讲", "{village}村民反映{fin_firm}承诺高息吸收存款，已上报",
               "{street}疑似有人开展传销活动"),
)
TOPICS["estate_delay"] = dict(
    labels=(R,), family="estate", weight=2.0, urban=1.5, rural=0.3, target="开发商",
    hotline=("房地产/逾期交房",), petition=("城乡建设-房地产",), grid=("房地产-逾期交房",),
    wrong=("城乡建设/规划", "城乡建设/建筑市场", "城乡建设-规划"),
    titles=("{estate}逾期交房", "{estate}延期交付", "开发商不按期交房", "{estate}停工", "楼盘烂尾"),
    identity=("{me}是{estate}的业主，", "本人系{developer}开发的{estate}购房者，", "{we}是{estate}{building}栋的业主，",
              "{me}在{date}买了{estate}的房子，"),
    core=("合同约定{date}交房，现在工地已经停工{months}了", "开发商一拖再拖，交房日期改了三次", "{estate}主体都没封顶，售楼部已经没人了",
          "{developer}说资金链紧张，交房要推迟到明年", "{we}的首付和按揭早就付了，房子却迟迟交不了", "项目停工半年多，眼看要烂尾了",
          "{developer}逾期交房{months}，违约金一分都不提"),
    detail=("{I}每个月还着按揭，还要在外面租房住", "为了买这套房子掏空了两代人的积蓄", "{we}业主多次到售楼部讨说法，开发商避而不见",
            "孩子上学要用房子落户，现在急得不行"),
    grid_core=("{estate}部分业主聚集售楼部，反映逾期交房问题", "{estate}项目停工，业主情绪不稳定"),
)
TOPICS["estate_quality"] = dict(
    labels=(R,), family="estate", weight=1.0, urban=1.5, rural=0.2, target="开发商",
    hotline=("房地产/房屋质量",), petition=("城乡建设-房地产",), grid=("房地产-房屋质量",),
    wrong=("城乡建设/建筑质量", "安全隐患"),
    titles=("新房墙面开裂", "房屋质量问题", "{estate}渗水", "交房后发现质量问题"),
    identity=("{me}是{estate}的业主，", "{we}是{estate}的业主，", "{me}去年刚收的房，"),
    core=("收房才半年，墙面到处是裂缝，开发商只是刷一层腻子糊弄", "一下雨家里就渗水，窗台、墙角都是霉",
          "精装房交付的和样板间完全不一样，材料以次充好", "地下室常年积水，电梯三天两头坏", "外墙保温层大面积脱落，砸坏了楼下的车"),
    detail=("找开发商维修，一直说等施工方来", "已经找第三方做了检测", "楼里几十户都有类似问题"),
    grid_core=("{estate}业主反映房屋存在渗水开裂等质量问题",),
)
TOPICS["estate_certificate"] = dict(
    labels=(R,), family="estate", weight=1.0, urban=1.4, rural=0.3, target="开发商",
    hotline=("房地产/办证问题",), petition=("城乡建设-房地产",), grid=("房地产-逾期交房",),
    wrong=("国土资源/不动产登记", "民生服务"),
    titles=("{estate}办不了房产证", "不动产权证迟迟不办", "交房多年未办证"),
    identity=("{me}是{estate}的业主，", "{we}{estate}全体业主，", "本人于{date}购买{estate}住房一套，"),
    core=("交房{years}年了房产证还没办下来", "开发商没有缴清土地出让金，{we}的不动产权证办不了", "问开发商什么时候办证，一直说在走程序",
          "孩子要上学，没有不动产权证落不了户"),
    detail=("{estate}几百户都没有证", "房款{I}是一次性付清的"),
    grid_core=("{estate}业主反映交房多年未办理不动产权证",),
)
TOPICS["estate_property"] = dict(
    labels=(R,), family="estate", weight=1.3, urban=1.6, rural=0.2, target="物业公司",
    hotline=("城乡建设/物业管理",), petition=("城乡建设-物业",), grid=("房地产-物业纠纷",),
    wrong=("城市管理/违章停车", "民事纠纷/邻里纠纷", "城市管理", "民生服务"),
    titles=("{estate}物业乱收费", "物业服务差", "强制捆绑车位", "物业停水停电逼交物业费"),
    identity=("{me}是{estate}的业主，", "{we}是{estate}的住户，", "本人住{estate}{building}栋，"),
    core=("{property}擅自上调物业费，也没有开业主大会", "开发商不买车位就不给办理交房手续，一个车位要{money}",
          "物业因为{I}对服务有意见没交物业费，就把{I}家的门禁卡停了", "小区电梯坏了半个月，{property}一直拖着不修",
          "{property}把小区公共绿地改成停车位收费", "维修基金被物业挪用，业主查账不给看"),
    detail=("业主们想换物业，居委会也不支持", "收费标准从来不公示", "小区卫生也没人打扫"),
    grid_core=("{estate}业主与{property}因物业费问题发生纠纷", "{estate}业主反映开发商捆绑销售车位"),
)
# -- combinations (about 6% of risk reports)
TOPICS["combo_unfinished_workers"] = dict(
    labels=(W, R), family="estate", weight=1.0, urban=1.4, rural=0.5, target="开发商",
    hotline=("房地产/逾期交房", "劳动保障/拖欠工资"), petition=("城乡建设-房地产", "劳动社保-拖欠工资"),
    grid=("房地产-逾期交房", "矛盾纠纷-劳资纠纷"), wrong=("城乡建设/建筑市场",),
    titles=("{estate}烂尾工人讨薪", "楼盘停工欠薪", "开发商跑路"),
    identity=("{me}是{estate}项目上的工人，", "{we}是{estate}的业主，", ""),
    core=("{developer}开发的{estate}停工烂尾，业主交不了房，工地上{n}名工人的工资也没人给",
          "{estate}项目资金断了，停工以后包工头拖欠{we}工人工资{wage}，买房的业主也拿不到房",
          "{estate}已经停工{months}，工人天天在售楼部讨薪，业主们也来要说法"),
    detail=("{developer}老板据说已经出国了",),
    grid_core=("{estate}项目停工，工人讨薪与业主维权同时发生",),
)
TOPICS["combo_wage_debt"] = dict(
    labels=(W, D), family="wage", weight=0.6, urban=1.0, rural=1.0, target="老板",
    hotline=("劳动保障/拖欠工资",), petition=("劳动社保-拖欠工资",), grid=("矛盾纠纷-劳资纠纷",), wrong=("民事纠纷/借贷纠纷",),
    titles=("企业欠薪又借员工钱不还", "老板欠工资和借款"),
    identity=("{me}是{factory}的员工，", "本人原在{factory}工作，"),
    core=("老板欠{I}{months}工资{wage}，去年还以周转为名向{I}借了{money}，写了借条，现在两样都不还",
          "{factory}拖欠{we}工资，还拖欠{I}家供的货款{money}"),
    detail=("厂里其他工友也借给过老板钱",),
    grid_core=("{factory}员工反映企业既欠工资又欠其借款",),
)
TOPICS["combo_project_arrears"] = dict(
    # GUIDE.md: a project's payment owed between companies is a debt; its workers' pay is wage arrears.
    labels=(W, D), family="wage", weight=0.8, urban=0.8, rural=1.2, target="发包方",
    hotline=("劳动保障/拖欠工资", "民事纠纷/借贷纠纷"), petition=("劳动社保-拖欠工资", "涉法涉诉-借贷纠纷"),
    grid=("矛盾纠纷-劳资纠纷", "矛盾纠纷-债务纠纷"), wrong=("城乡建设/建筑市场", "交通运输/道路"),
    titles=("拖欠工程款及农民工工资", "{site}工程款和工人工资至今未付", "村道硬化工程欠款欠薪", "要求支付工程款和民工工资"),
    identity=("{me}是{site}的施工方负责人，", "{me}承包了{village}的通村公路硬化工程，", "{we}是给{company}拉砂石的车主和司机，",
              "{me}是{company}的分包商，", ""),
    core=("工程{date}就完工通车了，发包方以没有验收为由拖欠工程款{money}，{I}手下{n}个民工的工资也发不出来",
          "{company}拖欠{I}工程款{money}，连带{we}班组工人的工资{wage}至今没有着落",
          "{site}的运费、材料款欠了{money}，跟车的司机和装卸工工资也跟着欠了{months}",
          "{village}的水利工程早就交付使用，镇里说资金没到位，工程款一直不结，工人天天找{I}要工钱",
          "{company}中标后层层转包，到{I}这里工程款一分没付，垫进去的{money}和工人工资都要不回来"),
    detail=("结算单和验收单{I}都有", "{I}为了给工人垫付生活费，已经借了不少钱", "工人都是附近村里的，天天上门要钱"),
    grid_core=("{village}工程施工方反映发包方拖欠工程款{money}，导致{n}名民工工资无法发放",
               "{site}分包商与{company}因工程款结算发生纠纷，涉及民工工资"),
)
TOPICS["combo_family_debt"] = dict(
    labels=(D, F), family="family", weight=0.6, urban=0.9, rural=1.1, target="{relative}",
    hotline=("民事纠纷/借贷纠纷", "民事纠纷/婚姻家庭"), petition=("民政-婚姻家庭", "涉法涉诉-借贷纠纷"),
    grid=("矛盾纠纷-婚姻家庭", "矛盾纠纷-债务纠纷"), wrong=("民事纠纷/邻里纠纷",),
    titles=("亲属借钱不还引发家庭矛盾", "离婚后共同债务纠纷"),
    identity=("", "{me}是{village}村民，"),
    core=("{relative}借了{I}{money}买车，打了借条，现在不但不还，还因为这事跟{I}吵翻了，老母亲夹在中间天天哭",
          "离婚后前夫以{I}的名义借的{money}，债主天天上门找{I}要"),
    detail=("一家人闹成这样，{I}也很寒心",),
    grid_core=("{village}{person}兄弟因借款问题发生家庭矛盾",),
)
TOPICS["combo_finance_estate"] = dict(
    labels=(FI, R), family="finance", weight=0.3, urban=1.4, rural=0.4, target="开发商",
    hotline=("房地产/逾期交房", "金融/非法集资"), petition=("经济管理-非法集资", "城乡建设-房地产"),
    grid=("金融风险-非法集资",), wrong=("城乡建设/规划",),
    titles=("开发商以售房名义集资", "楼盘售后返租骗局"),
    identity=("{me}是{estate}的购房者，", ""),
    core=("{developer}卖{estate}的商铺时承诺售后返租，每年返百分之十，还向几百名业主高息借款，现在项目停工、返租和借款都不兑付",),
    detail=("受害的业主有{n_big}人",),
    grid_core=("{estate}购房者反映开发商高息集资后停工",),
)

# -- none: the ordinary business of a city
NONE = ()
_C, _Q = "complaint", "question"
TOPICS["noise_shop"] = dict(
    labels=NONE, family=_C, weight=2.0, urban=1.6, rural=0.4, summer=1.8,
    hotline=("城市管理/噪音扰民",), petition=("城乡建设-城市管理",), grid=("城市管理",), wrong=("民事纠纷/邻里纠纷",),
    titles=("商铺噪音扰民", "广场舞音响太吵", "夜宵摊噪音", "KTV噪音扰民"),
    identity=("", "{me}住在{estate_here}，", "{we}是{estate_here}的居民，"),
    core=("楼下{street}的烧烤店每天营业到凌晨两三点，喝酒划拳声音很大", "{street}一家服装店门口天天用大喇叭循环播放促销广告",
          "小区门口广场舞音响开得特别大，晚上十点了还在跳", "{street}新开的KTV隔音很差，晚上吵得没法睡", "夜市大排档的油烟和噪音直接飘到{I}家"),
    grid_core=("巡查发现{street}商铺使用高音喇叭招揽顾客", "{estate_here}周边夜宵摊经营至深夜，噪音扰民"),
)
TOPICS["noise_construction"] = dict(
    labels=NONE, family=_C, weight=1.5, urban=1.5, rural=0.5, summer=1.3, hard=True,
    hotline=("城市管理/噪音扰民", "环境保护/污染"), petition=("城乡建设-城市管理",), grid=("城市管理",),
    wrong=("民事纠纷/邻里纠纷", "城乡建设/建筑市场"),
    titles=("工地夜间施工扰民", "{site}夜间施工", "工地噪音"),
    identity=("", "{me}住在{estate_here}，", "{we}是{site}旁边的住户，"),
    core=("{site}每天晚上十一二点还在打桩，周边居民根本睡不着", "隔壁工地半夜浇混凝土，搅拌车来来回回，噪音太大",
          "{site}施工没有任何降噪措施，渣土车进出扬尘也很大", "{site}周末也是早上六点就开工，电锯声吵得人头疼"),
    grid_core=("{site}夜间违规施工，已通知施工方停止作业", "巡查发现{site}扬尘防护不到位"),
)
TOPICS["road"] = dict(
    labels=NONE, family=_C, weight=2.0, urban=1.0, rural=1.0,
    hotline=("交通运输/道路",), petition=("交通运输-道路",), grid=("安全隐患", "城市管理"), wrong=("城市管理/占道经营",),
    titles=("道路破损", "{street}坑洼", "乡村公路年久失修", "请求硬化通组公路", "红绿灯设置不合理"),
    identity=("", "{me}是{village}村民，", "{me}每天上下班经过{street}，"),
    core=("{street}路面坑坑洼洼，下雨天积水很深，电动车经常摔倒", "{village}到镇上的通村公路好几年没修了，大车一过尘土飞扬",
          "{group}还是泥巴路，下雨天老人小孩出门很不方便", "{street}和{street2}交叉口没有红绿灯，早晚高峰很乱",
          "{street}的井盖缺失，晚上很危险", "新修的路才一年就开裂了"),
    grid_core=("巡查发现{street}路面塌陷，已设置警示标志", "{village}{group}通组道路损毁严重，群众出行不便"),
)
TOPICS["streetlight"] = dict(
    labels=NONE, family=_C, weight=1.0, urban=1.2, rural=0.8, hard=True,
    hotline=("城市管理/市政设施",), petition=("城乡建设-城市管理",), grid=("城市管理", "安全隐患"),
    wrong=("城乡建设/物业管理",),
    titles=("路灯不亮", "小区外路灯坏了无人修", "{street}路灯"),
    identity=("", "{me}住在{estate_here}，"),
    core=("{estate_here}门口那段市政道路路灯坏了一个多月，找了物业，物业说路灯归市政管，不是他们的事",
          "{street}整条路的路灯晚上都不亮，黑漆漆的，晚上出门不安全", "{village}村口新装的太阳能路灯用了半年就坏了"),
    grid_core=("巡查发现{street}多盏路灯损坏，已报市政维修",),
)
TOPICS["garbage"] = dict(
    labels=NONE, family=_C, weight=1.5, urban=1.0, rural=1.0, summer=1.3,
    hotline=("环境保护/垃圾",), petition=("城乡建设-环境卫生",), grid=("环境卫生",), wrong=("城乡建设/物业管理",),
    titles=("垃圾清运不及时", "垃圾堆放", "垃圾站臭味"),
    identity=("", "{me}是{village}村民，", "{me}住在{estate_here}附近，"),
    core=("{street}的垃圾桶满了好几天没人清运，臭气熏天", "{village}河边被人倒了很多建筑垃圾", "垃圾中转站离居民楼太近，夏天臭得开不了窗",
          "{group}的垃圾池一个星期才清一次", "有人在{street}路边焚烧垃圾，浓烟很大"),
    grid_core=("巡查发现{village}河道旁堆放生活垃圾，已通知保洁员清理", "{street}垃圾桶满溢，已联系环卫清运"),
)
TOPICS["parking"] = dict(
    labels=NONE, family=_C, weight=1.2, urban=1.6, rural=0.3,
    hotline=("城市管理/违章停车", "城市管理/占道经营"), petition=("城乡建设-城市管理",), grid=("城市管理",),
    wrong=("交通运输/道路", "城乡建设/物业管理"),
    titles=("乱停车堵路", "占道经营", "{street}停车难"),
    identity=("", "{me}住在{estate_here}，"),
    core=("{street}两边天天停满车，消防通道都被堵了", "菜市场门口的摊贩占道经营，车根本过不去", "{school}门口接送孩子的车乱停，早上堵得水泄不通",
          "有人在{estate_here}门口用地锁占公共车位"),
    grid_core=("巡查发现{street}流动摊贩占道经营，已劝离", "{school}周边车辆乱停放，已联系交警"),
)
TOPICS["water_power"] = dict(
    labels=NONE, family=_C, weight=1.2, urban=1.0, rural=1.0, summer=1.4,
    hotline=("城乡建设/供水", "城乡建设/供电"), petition=("城乡建设-供水供电",), grid=("民生服务",), wrong=("城乡建设/物业管理",),
    titles=("频繁停水", "停电没有通知", "水压太低", "自来水浑浊"),
    identity=("", "{me}是{village}村民，", "{me}住在{estate_here}，"),
    core=("这个星期已经停了三次水，也没有提前通知", "{village}自来水一到夏天就没水压，楼上根本用不了水", "家里自来水发黄，有股怪味",
          "晚上经常停电，冰箱里的东西都坏了", "{group}的电压不稳，家电烧坏了好几样"),
    grid_core=("{village}群众反映近期供水不稳定，已联系水务公司", "{estate_here}停电，已联系供电所抢修"),
)
TOPICS["school"] = dict(
    labels=NONE, family=_Q, weight=1.2, urban=1.2, rural=0.8, hard=True,
    hotline=("教育文体/入学",), petition=("教育-入学",), grid=("民生服务",), wrong=("房地产/办证问题",),
    titles=("孩子入学问题", "学区划分", "{estate}小区学位", "转学咨询"),
    identity=("", "{me}是{estate}的业主，", "{me}家孩子今年上一年级，", "{me}是外地来溪山务工的，"),
    core=("{estate}的学区为什么划到那么远的学校，孩子上学要走半个小时", "随迁子女入学需要提供哪些材料", "孩子户口不在城区，能不能在{school}上学",
          "{school}今年招生说学位已满，片区内的孩子怎么办"),
    grid_core=("辖区居民咨询子女入学政策，已告知教育局咨询电话",),
)
TOPICS["medical"] = dict(
    labels=NONE, family="service", weight=1.0, urban=1.1, rural=0.9,
    hotline=("卫生计生/医疗",), petition=("卫生计生-医疗",), grid=("民生服务",), wrong=("商贸旅游/消费维权",),
    titles=("医院服务态度差", "看病排队时间长", "医保报销问题", "{hospital}乱收费"),
    identity=("", "{me}是{place}居民，", "{me}母亲前段时间在{hospital}住院，"),
    core=("{hospital}挂号排了两个小时，医生看了不到两分钟", "在{hospital}做检查收费明显偏高，问也不解释", "{village}卫生室经常没人，村民看个小病都要跑镇上",
          "异地就医备案怎么办理，网上一直提交不了", "医保报销比例为什么比去年低了"),
    grid_core=("{village}群众反映村卫生室药品不全",),
)
TOPICS["consumer"] = dict(
    labels=NONE, family="service", weight=1.3, urban=1.3, rural=0.7,
    hotline=("商贸旅游/消费维权",), petition=("经济管理-市场监管",), grid=("民生服务",), wrong=("其他",),
    titles=("商家售假", "消费维权", "买到过期食品", "网购退款纠纷", "装修公司违约"),
    identity=("", "{me}是{place}居民，"),
    core=("在{street}一家超市买到过期的牛奶，商家只肯退钱不肯赔偿", "在一家装修公司签了合同交了{money_small}，开工后一拖再拖，材料也不对",
          "买的电动车骑了一个月电池就坏了，店家不给保修", "{street}的一家眼镜店虚标价格", "餐馆菜里吃出异物，店家态度很差"),
    grid_core=("{street}商户与顾客因商品质量问题发生争执，已劝解",),
)
TOPICS["pollution"] = dict(
    labels=NONE, family=_C, weight=1.2, urban=0.6, rural=1.4, summer=1.2, hard=True,
    hotline=("环境保护/污染",), petition=("环境保护-污染",), grid=("环境卫生", "安全隐患"), wrong=("城市管理/噪音扰民",),
    titles=("工厂偷排污水", "{factory}废气扰民", "养殖场臭味", "河道污染"),
    identity=("", "{me}是{village}村民，", "{we}是{factory}附近的村民，"),
    core=("{factory}晚上偷偷往河里排污水，河水都变黑了", "{factory}的烟囱天天冒黑烟，味道刺鼻", "村旁边的养猪场粪水直排，苍蝇多得不得了",
          "{factory}机器24小时运转，噪音和粉尘很大，村民意见很大", "采石场放炮把{I}家房子震裂了，粉尘漫天"),
    grid_core=("巡查发现{factory}排污口有异味污水流出，已上报环保部门", "{village}群众反映养殖场臭味扰民"),
)
TOPICS["pension_policy"] = dict(
    labels=NONE, family=_Q, weight=1.3, urban=1.0, rural=1.0, hard=True,
    hotline=("劳动保障/政策咨询", "咨询/政策"), petition=("劳动社保-社会保险",), grid=("民生服务",),
    wrong=("劳动保障/拖欠工资", "劳动保障/社保缴纳"),
    titles=("养老金调整咨询", "灵活就业社保缴费", "退休工资计算", "社保补缴咨询", "最低工资标准"),
    identity=("", "{me}今年{age}岁，", "{me}是灵活就业人员，", "{me}是企业退休职工，"),
    core=("灵活就业人员的养老保险怎么交，每年最低交多少", "今年退休人员养老金上调了多少，什么时候发放", "{I}在外省交了{years}年社保，回溪山以后怎么转移接续",
          "{I}的养老金和同年退休的同事差了两百多块，想问问是怎么算的", "现在溪山县的最低工资标准是多少", "失业保险金怎么申领",
          "城乡居民养老保险缴费档次能不能中途调整", "企业职工工资里扣的住房公积金比例是怎么定的"),
    grid_core=("辖区居民咨询灵活就业人员社保缴费政策，已解答", "走访中有老人询问养老金调整事宜，已做政策解释"),
)
TOPICS["fund_mortgage"] = dict(
    labels=NONE, family=_Q, weight=0.8, urban=1.3, rural=0.6, hard=True,
    hotline=("城乡建设/住房公积金", "咨询/政策"), petition=("城乡建设-住房保障",), grid=("民生服务",),
    wrong=("房地产/办证问题", "金融/贷款"),
    titles=("公积金贷款咨询", "房贷利率咨询", "公积金提取"),
    identity=("", "{me}准备在城区买房，", "{me}是{estate}的业主，"),
    core=("想问一下用公积金贷款买二手房需要什么条件", "首套房商业贷款利率现在是多少，能不能转成公积金贷款", "租房可以提取住房公积金吗，每年能提多少",
          "夫妻双方的公积金能不能一起贷款，最高额度多少"),
    grid_core=("居民咨询公积金贷款政策，已告知公积金中心地址",),
)
TOPICS["bank_service"] = dict(
    labels=NONE, family="service", weight=0.6, urban=1.2, rural=0.8, hard=True,
    hotline=("商贸旅游/消费维权",), petition=("经济管理-银行服务",), grid=("民生服务",), wrong=("金融/银行服务", "金融/理财投资"),
    titles=("银行服务态度差", "银行卡被冻结", "银行排队时间长"),
    identity=("", "{me}是{place}居民，"),
    core=("到{bank}办业务，排了一个多小时只开了一个窗口", "{I}的银行卡莫名被冻结了，{bank}让{I}自己去派出所开证明",
          "{bank}工作人员办业务时硬要{I}买一份保险", "{bank}取款机吞卡，打客服电话半天没人接"),
    grid_core=("群众反映{bank}网点服务窗口少，排队时间长",),
)
TOPICS["planning"] = dict(
    labels=NONE, family=_Q, weight=1.0, urban=1.2, rural=0.8, hard=True,
    hotline=("城乡建设/规划",), petition=("城乡建设-规划", "城乡建设-拆迁"), grid=("城市管理",),
    wrong=("房地产/逾期交房", "城乡建设/物业管理"),
    titles=("规划咨询", "{street}改造什么时候开工", "征收补偿标准", "老旧小区改造"),
    identity=("", "{me}是{estate_here}的住户，", "{me}是{village}村民，"),
    core=("{estate_here}属于老旧小区，想问什么时候能纳入改造", "听说{village}要征收建工业园，补偿标准是什么",
          "{street}拓宽工程规划图什么时候公示", "{estate_here}旁边规划的是公园，现在怎么变成了商业用地", "想了解一下城区南片的规划"),
    grid_core=("居民询问老旧小区改造进度，已向街道反映",),
)
TOPICS["subsidy"] = dict(
    labels=NONE, family=_Q, weight=1.2, urban=0.6, rural=1.5,
    hotline=("农村农业/补贴", "民政/社会救助", "咨询/政策"), petition=("农村农业-补贴", "民政-社会救助"), grid=("民生服务",),
    wrong=("其他",),
    titles=("耕地补贴没到账", "低保申请", "危房改造补助", "高龄补贴"),
    identity=("", "{me}是{village}村民，", "{me}家里是脱贫户，"),
    core=("今年的耕地地力保护补贴为什么还没到账", "{I}家老人{age_old}岁了，高龄补贴怎么申请", "家里房子是危房，能不能申请改造补助",
          "{I}丈夫瘫痪在床，家里很困难，想申请低保不知道怎么办", "种粮大户补贴的标准是什么"),
    grid_core=("走访{village}困难家庭，协助其申请临时救助", "村民咨询耕地补贴发放时间，已解答"),
)
TOPICS["neighbour_helped"] = dict(
    labels=NONE, family=_Q, weight=0.4, urban=1.0, rural=1.0, hard=True,
    hotline=("其他", "咨询/政策"), petition=("其他",), grid=("民生服务",), wrong=("民事纠纷/邻里纠纷",),
    titles=("表扬好邻居", "感谢社区工作人员", "表扬网格员"),
    identity=("", "{me}住在{estate_here}，", "{me}是{village}村民，"),
    core=("前几天{I}家老人在家摔倒了，是隔壁邻居{person}发现后送到医院，想通过热线表扬一下", "{I}家楼上的邻居帮{I}修好了漏水的水管，分文不收，特此感谢",
          "社区网格员{person}经常来看望{I}家独居的老母亲，非常感谢"),
    grid_core=("{village}村民{person}主动帮助邻居孤寡老人，事迹值得宣传",),
)
TOPICS["wage_policy"] = dict(
    labels=NONE, family=_Q, weight=0.5, urban=1.0, rural=1.0, hard=True,
    hotline=("劳动保障/政策咨询",), petition=("劳动社保-劳动关系",), grid=("民生服务",), wrong=("劳动保障/拖欠工资",),
    titles=("工资支付规定咨询", "加班工资怎么算", "事业单位工资改革"),
    identity=("", "{me}是一名教师，", "{me}刚参加工作，"),
    core=("法定节假日加班，工资应该按几倍计算", "乡镇事业单位工作人员的绩效工资什么时候调整", "试用期工资最低不能低于多少",
          "公司每月几号发工资有没有规定，可以推迟几天"),
    grid_core=("居民咨询加班工资计算标准，已告知劳动监察电话",),
)
TOPICS["family_policy"] = dict(
    # Questions that mention a marriage, a divorce or children without any dispute (GUIDE.md: none).
    labels=NONE, family=_Q, weight=0.8, urban=1.1, rural=0.9, hard=True,
    hotline=("卫生计生/计划生育", "公安/户籍", "咨询/政策"), petition=("卫生计生-计划生育", "公安-户籍管理"),
    grid=("民生服务",), wrong=("民事纠纷/婚姻家庭",),
    titles=("再婚家庭生育政策咨询", "离婚后户口迁移", "生育登记咨询", "离异后购房资格", "子女随迁落户"),
    identity=("", "{me}今年{age}岁，", "{me}是{place}人，", "本人是再婚家庭，"),
    core=("{I}和前妻离婚后孩子归{I}抚养，现在再婚了，想再生一个，请问需要办什么手续，算不算政策内",
          "{I}离婚以后户口一直挂在前夫家那边，想迁回娘家{village}，派出所说要村里同意，请问该怎么办",
          "夫妻双方都是再婚，各带一个孩子，现在想办生育登记，需要提供哪些材料",
          "离婚时房子判给了{I}，孩子也跟{I}，现在想在城区再买一套房，不知道算不算首套，购房资格怎么认定",
          "孩子判给了{I}，想把孩子户口从前夫那边迁到{I}名下，需要对方到场吗",
          "{I}是独生子女，丈夫离过婚有一个孩子，请问{we}再生一个要不要交社会抚养费",
          "计生办说{I}家属于超生，要征收社会抚养费，请问征收标准是怎么定的，能不能分期缴纳",
          "{I}和爱人都是独生子女，第一胎是女儿，现在想要二胎，准生证要到哪里办",
          "{I}前夫再婚后又生了孩子，{I}这边再婚想生育，孩子数是分开算还是合在一起算",
          "{I}父母离异后{I}跟母亲生活，{I}的独生子女证还算不算数，能不能享受奖励扶助"),
    grid_core=("辖区居民咨询再婚家庭生育登记政策，已告知办理流程", "居民咨询离婚后子女户口迁移手续，已解答"),
)
TOPICS["collective_share"] = dict(
    # A village's collective money and land shared out unfairly: villagers against the collective,
    # not a family's or neighbours' dispute (GUIDE.md: none).
    labels=NONE, family=_C, weight=0.6, urban=0.3, rural=1.7, hard=True,
    hotline=("农村农业/集体经济", "城乡建设/征地拆迁"), petition=("农村农业-集体资产", "城乡建设-拆迁"),
    grid=("民生服务",), wrong=("民事纠纷/邻里纠纷", "民事纠纷/婚姻家庭"),
    titles=("集体分红分配不公", "征地补偿款分配不公", "外嫁女土地补偿权益", "村组分配方案不合理"),
    identity=("", "{me}是{village}{group}村民，", "{we}是{village}的外嫁女，"),
    core=("{village}{group}这次征地补偿款按户分，{I}家嫁出去的女儿户口还在村里却一分没有",
          "村里的集体分红几年都没有公开账目，每户分多少全凭组长一句话",
          "{group}的土地流转款分配方案没有开村民大会就定了，{we}几户被少分了",
          "{I}离婚后户口迁回了{village}，组里说{I}不算集体经济组织成员，不给分配"),
    grid_core=("{village}{group}村民对集体土地补偿款分配方案有异议，已上报镇农经站",),
)
TOPICS["homestead_policy"] = dict(
    # A household's homestead and its rules asked about, no neighbour involved (GUIDE.md: none).
    labels=NONE, family=_Q, weight=0.7, urban=0.2, rural=1.8, hard=True,
    hotline=("农村农业/宅基地", "自然资源/不动产登记", "咨询/政策"), petition=("农村农业-土地", "城乡建设-建房审批"),
    grid=("民生服务",), wrong=("民事纠纷/邻里纠纷",),
    titles=("宅基地确权颁证咨询", "农村建房审批", "宅基地政策咨询", "易地搬迁后宅基地怎么处理"),
    identity=("", "{me}是{village}{group}村民，", "{me}家在{village}，"),
    core=("{I}家老房子要翻建，宅基地上建房需要到哪里审批，最多能建几层",
          "{village}的宅基地和房屋确权颁证什么时候开始办，需要准备哪些资料",
          "{I}家易地扶贫搬迁到了镇上，老家的宅基地要不要复垦，复垦了有没有补助",
          "一户一宅是怎么规定的，{I}兄弟两个分户以后能不能各申请一块宅基地",
          "{I}在{village}买了别人的宅基地建了房，现在办不了不动产权证，请问有什么办法"),
    grid_core=("{village}村民咨询农村建房审批流程，已告知镇自然资源所", "走访中村民询问宅基地确权进度，已做解释"),
)
TOPICS["other_safety"] = dict(
    labels=NONE, family=_C, weight=1.0, urban=1.0, rural=1.0,
    hotline=("城市管理/市政设施", "其他"), petition=("其他",), grid=("安全隐患",), wrong=("其他",),
    titles=("安全隐患", "电动车楼道充电", "危房隐患", "消防通道堵塞"),
    identity=("", "{me}住在{estate_here}，", "{me}是{village}村民，"),
    core=("{estate_here}有人把电动车推进楼道充电，存在火灾隐患", "{village}小学旁边的河没有护栏，孩子放学经常在那里玩",
          "{street}一处广告牌松动，刮风时摇摇欲坠", "{group}一栋老房子墙体开裂，随时可能倒塌"),
    grid_core=("巡查发现{estate_here}楼道内电动车充电，已劝导移除", "{village}发现废弃房屋存在倒塌隐患，已设置警示",
               "巡查发现{street}消防通道被占用"),
)
