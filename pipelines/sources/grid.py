"""Grid workers' event reports (网格事件), exported as JSON Lines by the grid platform."""

CHANNEL = "grid"
COLUMNS = {
    "source_id": ["event_id", "事件编号", "id"],
    "received_at": ["reported_at", "上报时间", "report_time"],
    "grid_code": ["grid_code", "网格编码", "网格编号"],
    "grid_worker": ["grid_worker", "网格员"],
    "source_category": ["event_type", "事件类型"],
    "text": ["description", "事件描述", "事件内容"],
    "lon": ["lon", "经度", "longitude"],
    "lat": ["lat", "纬度", "latitude"],
    "status": ["status", "办理状态"],
}
REQUIRED = ["source_id", "received_at", "text"]
