"""Notifications as a reader sees them: title and body in the reader's language."""

from __future__ import annotations

from typing import Any

from models.notification import Notification

# kind → (zh-CN title, en title, zh-CN body, en body); bodies may use {code}, {level}.
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "needs_manual_dispatch": ("案件待人工派遣", "Case needs manual dispatch",
                              "案件 {code} 没有匹配的派遣规则，请人工派遣。",
                              "No routing rule matches case {code}; please dispatch it."),
    "case_returned": ("案件被回退", "Case returned",
                      "处置单位回退了案件 {code}，请重新派遣。",
                      "The unit returned case {code}; please dispatch it again."),
    "case_overdue": ("案件超期", "Case overdue",
                     "案件 {code} 已超过处置期限（第 {level} 级督办）。",
                     "Case {code} is past its deadline (escalation level {level})."),
    "cases_overdue": ("多个案件超期", "Cases overdue",
                      "{count} 个案件已超过处置期限（第 {level} 级督办）：{codes}",
                      "{count} cases are past their deadline (escalation level {level}): "
                      "{codes}"),
    "case_registered": ("您的报告已受理", "Your report was registered",
                        "案件 {code} 已立案，我们会尽快处理。",
                        "Case {code} was registered and will be handled soon."),
    "case_rejected": ("您的报告未予立案", "Your report was not registered",
                      "案件 {code} 未予立案。", "Case {code} was not registered."),
    "case_dispatched": ("案件已派遣", "Case dispatched", "案件 {code} 已派遣给处置单位。",
                        "Case {code} went to the unit in charge."),
    "new_dispatch": ("新的派遣任务", "New case to handle",
                     "案件 {code} 已派遣给您的单位，请及时处置。",
                     "Case {code} was dispatched to your unit."),
    "case_resolved": ("案件已处置", "Case handled", "案件 {code} 已处置，等待核查。",
                      "Case {code} was handled; it will be verified."),
    "verification_task": ("核查任务", "Verification task",
                          "请到现场核查案件 {code} 的处置结果。",
                          "Please verify on site how case {code} was handled."),
    "case_closed": ("案件已结案，请评价", "Case closed: please rate it",
                    "案件 {code} 已结案，欢迎为处理结果打分。",
                    "Case {code} is closed. How did we do? Rate it in the app."),
    "staff_reply": ("工作人员回复了您", "Staff replied",
                    "工作人员在案件 {code} 中回复了您。", "Staff replied on case {code}."),
    "case_duplicate_followed": (
        "您的报告与已有案件重复", "Your report duplicates a case",
        "案件 {code} 与案件 {original} 是同一问题，已为您关注案件 {original}，进展会通知您。",
        "Case {code} is the same problem as case {original}; you now follow {original} and "
        "will hear of its progress."),
    "followed_case_dispatched": ("您关注的案件已派遣", "A case you follow was dispatched",
                                 "您关注的案件 {code} 已派遣给处置单位。",
                                 "Case {code}, which you follow, went to the unit in charge."),
    "followed_case_resolved": ("您关注的案件已处置", "A case you follow was handled",
                               "您关注的案件 {code} 已处置，等待核查。",
                               "Case {code}, which you follow, was handled; it will be "
                               "verified."),
    "followed_case_closed": ("您关注的案件已结案", "A case you follow was closed",
                             "您关注的案件 {code} 已结案。",
                             "Case {code}, which you follow, is closed."),
    "watch_new_case": ("您关注的区域有新案件", "A new case where you watch",
                       "您关注的区域有新案件 {code}。", "New case {code} where you watch."),
    "watch_case_closed": ("您关注的区域有案件结案", "A case closed where you watch",
                          "您关注的区域中案件 {code} 已结案。",
                          "Case {code} where you watch is closed."),
    "watch_digest": ("关注区域每日摘要", "Daily digest of your watch areas",
                     "您关注的区域共有 {count} 个案件动态（新增 {new}，结案 {closed}）：{codes}",
                     "{count} cases where you watch ({new} new, {closed} closed): {codes}"),
    "followed_case_reopened": ("您关注的案件已重新处理", "A case you follow was reopened",
                               "您关注的案件 {code} 已退回重新处理。",
                               "Case {code}, which you follow, was reopened."),
    "webhook_disabled": ("Webhook 已停用", "Webhook disabled",
                         "{client} 的 Webhook 地址已连续失败 {days} 天，现已停用：{url}",
                         "{client}'s webhook endpoint failed for {days} days and was "
                         "switched off: {url}"),
}


def render(message: Notification, locale: str) -> dict[str, Any]:
    zh_title, en_title, zh_body, en_body = TEMPLATES[message.kind]
    english = locale == "en"
    return {
        "id": message.id, "kind": message.kind, "case_id": message.case_id,
        "title": en_title if english else zh_title,
        "body": (en_body if english else zh_body).format(**message.params),
        "created_at": message.created_at, "read_at": message.read_at,
    }
