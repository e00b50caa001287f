"""klog/glog lines (Kubernetes components: kubelet, kube-apiserver, controllers; anything using glog):

``I0115 10:00:00.123456    1234 kubelet.go:2345] "SyncLoop ADD" source="api" pods=["default/web-0"]``

The letter is the declared level (I, W, E, F), the time has no year (the received year is used), the
number is the thread id and ``file:line`` the caller.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from holdoff.logs.model import Layout
from holdoff.logs.parse import timestamps
from holdoff.logs.parse.head import Head

_KLOG: Final = re.compile(r"([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{1,9}) +(\d+) ([^:\]\s]+:\d+)\] ?")


def parse(line: str, received: datetime) -> Head | None:
    match = _KLOG.match(line)
    if match is None:
        return None
    letter, month, day, hour, minute, second, frac, thread, caller = match.groups()
    when = timestamps.without_year(
        int(month), int(day), int(hour), int(minute), int(second), timestamps.micro(frac), received
    )
    message = line[match.end() :] or line
    return Head(message, Layout.KLOG, when, letter, None, {"tid": thread, "caller": caller})
