"""Petitions (信访件): letters, visits and online petitions from the 信访 register, usually XLSX."""

CHANNEL = "petition"
COLUMNS = {
    "source_id": ["信访件编号", "信访编号", "件号", "登记编号"],
    "received_at": ["登记日期", "登记时间", "信访日期", "来信来访日期"],
    "form": ["信访形式", "来访形式"],
    "people_count": ["信访人数", "人数", "来访人数", "集体访人数", "上访人数", "涉及人数"],
    "reporter_name": ["信访人", "信访人姓名", "姓名"],
    "id_number": ["身份证号", "身份证号码", "证件号码"],
    "phone": ["联系电话", "电话", "手机号码"],
    "place": ["问题属地", "问题发生地", "属地"],
    "subject": ["被反映对象", "被反映人", "被投诉对象"],
    "text": ["信访事项", "信访内容", "反映内容", "主要内容"],
    "source_category": ["内容分类", "问题分类", "信访类别"],
}
REQUIRED = ["source_id", "received_at", "text"]
