"""12345 hotline work orders (工单): one row per call, exported as CSV or XLSX; and the messages of an
online message board (网上留言, 市长信箱: 留言编号, 留言时间, 留言主题, 留言详情), which the 12345
platform takes in as its web channel."""

CHANNEL = "hotline"
# report field (or helper field) ← raw header variants seen in city exports, first one canonical
COLUMNS = {
    "source_id": ["工单编号", "工单号", "受理编号", "工单流水号", "留言编号"],
    "received_at": ["来电时间", "受理时间", "来电日期", "创建时间", "登记时间", "留言时间"],
    "phone": ["来电号码", "来电人电话", "主叫号码", "联系电话"],
    "reporter_name": ["来电人姓名", "来电人", "诉求人", "联系人", "姓名"],
    "account": ["留言用户", "网民账号", "用户账号"],
    "id_number": ["身份证号码", "身份证号", "证件号码"],
    "county": ["所属区县", "区县", "所属区域"],
    "town": ["所属街道", "街道", "所属乡镇", "乡镇街道"],
    "village": ["所属社区", "社区", "所属村居", "村社区"],
    "address": ["详细地址", "事发地址", "地址", "发生地址"],
    "title": ["诉求标题", "工单标题", "标题", "留言主题", "留言标题"],
    "text": ["诉求内容", "来电内容", "工单内容", "问题描述", "留言详情", "留言内容"],
    "source_category": ["诉求类型", "诉求分类", "工单类型", "问题分类", "留言分类", "一级标签"],
}
REQUIRED = ["source_id", "received_at", "text"]
