"""The kinds of licensing matter (事项类型) a hall receives, counts and decides.

A grant makes a licence; every later request about that licence is a matter of
its own too, with a receipt number, a query code and a legal limit, so that
the hall's statistics count it as received, completed and on time (seed 003
counts 变更、补领、报废、报停、注销 among its 47,922 matters).
"""

from __future__ import annotations

from enum import StrEnum


class Matter(StrEnum):
    NEW = "new"  # 新办: an application for a licence (Arts. 29–44)
    CHANGE = "change"  # 变更: Art. 49; 变更登记 (特种设备安全法 Art. 47)
    RENEWAL = "renewal"  # 延续 (换证): Art. 50
    REISSUE = "reissue"  # 补领: a lost or damaged certificate
    CANCELLATION = "cancellation"  # 注销申请: on the holder's request (Art. 70)
    SUSPENSION = "suspension"  # 停用 (报停): 特种设备安全法 Art. 48, TSG 08-2017
    REACTIVATION = "reactivation"  # 启用: TSG 08-2017
    SCRAPPING = "scrapping"  # 报废: 特种设备安全法 Art. 48


MATTER_NAMES: dict[Matter, str] = {
    Matter.NEW: "新办",
    Matter.CHANGE: "变更",
    Matter.RENEWAL: "延续",
    Matter.REISSUE: "补领",
    Matter.CANCELLATION: "注销",
    Matter.SUSPENSION: "停用",
    Matter.REACTIVATION: "启用",
    Matter.SCRAPPING: "报废",
}
