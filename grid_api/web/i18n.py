"""User-facing messages in zh-CN (default) and en, chosen by ``Accept-Language``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_request_context, request

# code -> (zh-CN, en). Titles of problem documents and details share one catalog.
MESSAGES: Mapping[str, tuple[str, str]] = {
    "internal_error": (
        "服务器内部错误，请稍后重试", "Internal server error; please try again later"
    ),
    "bad_request": ("请求无效", "Bad request"),
    "unauthenticated": ("需要登录", "Authentication required"),
    "permission_denied": ("没有执行此操作的权限", "You are not allowed to do this"),
    "not_found": ("资源不存在", "Not found"),
    "route_not_found": ("请求的地址不存在：{path}", "No such resource: {path}"),
    "method_not_allowed": ("该地址不支持 {method} 方法", "Method {method} is not allowed here"),
    "conflict": ("与当前状态冲突", "Conflict with the current state"),
    "invalid_transition": (
        "案件当前状态（{status}）下不能执行“{action}”",
        "Action “{action}” is not allowed while the case is {status}",
    ),
    "stale_version": (
        "资源已被他人修改，请刷新后重试", "The resource changed; reload and try again"
    ),
    "payload_too_large": (
        "请求体过大（上限 {limit} 字节）", "Request body too large (limit {limit} bytes)"
    ),
    "unsupported_media_type": (
        "不支持的内容类型：{content_type}",
        "Unsupported content type: {content_type}",
    ),
    "validation_failed": ("提交的数据有误", "The submitted data is invalid"),
    "invalid_json": ("请求体不是有效的 JSON", "The request body is not valid JSON"),
    "body_too_complex": (
        "请求体结构过于复杂（{bound} 超过上限 {limit}）",
        "The request body is too complex ({bound} over the limit of {limit})",
    ),
    "business_rule_violation": ("违反业务规则", "Business rule violated"),
    "rate_limited": ("请求过于频繁，请稍后再试", "Too many requests; try again later"),
    "service_unavailable": ("服务暂不可用", "Service unavailable"),
    "database_unavailable": (
        "数据库暂不可用，请稍后重试（未保存任何内容）",
        "The database is unavailable; nothing was saved, please try again shortly",
    ),
    "storage_unavailable": (
        "文件存储暂时不可用，本次未保存任何内容，请稍后重试",
        "File storage is unavailable; nothing was saved, please try again later",
    ),
    "not_ready": ("服务尚未就绪：{failed}", "Not ready: {failed}"),
    "bad_credentials": ("手机号或密码错误", "Wrong phone number or password"),
    "account_disabled": (
        "账号已停用，请联系管理员", "This account is disabled; contact an administrator"
    ),
    "token_invalid": ("令牌无效，请重新登录", "Invalid token; please sign in again"),
    "token_expired": ("令牌已过期", "The token has expired"),
    "token_revoked": ("登录已失效，请重新登录", "This session has ended; please sign in again"),
    "refresh_token_reused": (
        "刷新令牌被重复使用，为安全起见该登录已注销",
        "A refresh token was used twice; this session was ended for safety",
    ),
    "phone_taken": ("该手机号已注册", "This phone number is already registered"),
    "last_admin": (
        "这是最后一个启用的管理员账号，不能停用或取消其管理员角色",
        "This is the last active admin: it cannot be disabled or lose the admin role",
    ),
    "outside_service_area": ("该位置不在任何网格内", "This location is outside every grid cell"),
    "not_a_feature_collection": (
        "请求体必须是 GeoJSON FeatureCollection", "The body must be a GeoJSON FeatureCollection"
    ),
    "empty_collection": ("FeatureCollection 中没有要素", "The FeatureCollection has no features"),
    "grid_cells_have_no_children": ("单元网格下不能再有下级区域", "Grid cells have no children"),
    "area_has_children": (
        "该区域已有下级区域，不能重复生成", "This area has children already; nothing generated"
    ),
    "too_many_cells": (
        "将生成 {count} 个网格，超过编码容量 {limit}",
        "{count} cells would exceed the code width ({limit})",
    ),
    "generation_too_large": (
        "预计将生成约 {count} 个网格，超过单次请求上限 {limit}，请增大网格尺寸或分区域生成",
        "About {count} cells would be generated, over the limit of {limit} per request; use "
        "larger cells or generate area by area",
    ),
    "holidays_not_published": (
        "已安装的节假日数据只含 {first}–{last} 年，没有 {year} 年：请升级 chinesecalendar，"
        "或逐日设置工作日历",
        "The installed holiday data covers {first}–{last}, not {year}: upgrade chinesecalendar "
        "or set the calendar day by day",
    ),
    "impossible_tile": ("瓦片坐标无效：{z}/{x}/{y}", "Impossible tile coordinates: {z}/{x}/{y}"),
    "unknown_category": ("案件类别不存在或已停用", "Unknown or retired category"),
    "idempotency_key_invalid": ("Idempotency-Key 无效", "Invalid Idempotency-Key"),
    "idempotency_key_reused": (
        "该 Idempotency-Key 已用于另一个不同的请求",
        "This Idempotency-Key was already used for a different request",
    ),
    "already_with_unit": ("案件已在该单位", "The case is already with this unit"),
    "extension_pending": ("已有待审批的延期申请", "An extension request is already pending"),
    "no_extension_pending": ("没有待审批的延期申请", "No extension request is pending"),
    "photo_required": ("该类别结案前须上传处置后照片", "This category needs after-photos"),
    "internal_notes_are_for_staff": (
        "只有工作人员可以写内部备注", "Only staff write internal notes"
    ),
    "already_rated": ("已经评价过", "Already rated"),
    "gone": ("已不存在", "No longer available"),
    "export_expired": ("导出文件已过期，请重新导出", "The export has expired: ask for it again"),
    "export_not_ready": ("导出尚未完成", "The export is not ready yet"),
    "too_many_hexagons": (
        "六边形太小：该区域超过 {max} 个", "Hexagons too small: more than {max} for the area"
    ),
    "period_inverted": ("统计期间的结束早于开始", "The period ends before it starts"),
    "period_too_long": ("统计期间最长 {days} 天", "A period is at most {days} days"),
    "outside_your_scope": ("超出您的管辖范围", "Outside your scope"),
    "urgent_unchanged": ("急要件标记未改变", "The case is already marked that way"),
    "urgent_is_for_supervisors": (
        "只有受理员、派遣员可以标记急要件", "Only supervisors mark a case urgent"
    ),
    "dispute_window_closed": (
        "结案已超过 {days} 天，不能再申诉", "Disputes are possible for {days} days after closing"
    ),
    "unsupported_image": (
        "只接受 JPEG、PNG、WebP 或 HEIC 图片", "Only JPEG, PNG, WebP or HEIC images are accepted"
    ),
    "image_bomb": ("图片像素过多，已拒绝", "The image has too many pixels; refused"),
    "image_corrupt": ("图片文件已损坏或不完整", "The image file is corrupt or incomplete"),
    "case_is_finished": ("案件已结束，不能再添加照片", "The case is finished; no more photos"),
    "category_exists": ("类别代码已存在", "This category code exists"),
    "unit_code_taken": ("单位代码已存在", "This unit code is taken"),
    "routing_rule_exists": ("相同的派遣规则已在使用", "The same routing rule is already in force"),
    "value_out_of_range": ("提交的数值超出范围", "A submitted value is out of range"),
    "invalid_text": ("提交的文字含有无效字符", "The submitted text contains invalid characters"),
    # Integration clients and Open311
    "invalid_api_key": ("api_key 无效、已过期或已吊销", "Invalid, expired or revoked api_key"),
    "operation_not_allowed": (
        "该客户端无权执行 {operation}", "This client may not use {operation}"
    ),
    "client_exists": ("客户端名称已被使用", "A client with this name exists"),
    "client_revoked": ("客户端已吊销", "The client is revoked"),
    "unknown_jurisdiction": ("jurisdiction_id 不存在：{jurisdiction}",
                             "No such jurisdiction_id: {jurisdiction}"),
    "unknown_service_code": ("service_code 不存在：{service_code}",
                             "No such service_code: {service_code}"),
    "unknown_service_request": ("服务请求不存在：{id}", "No such service request: {id}"),
    "unknown_token": ("token 不存在：{token}", "No such token: {token}"),
    "open311_form_expected": (
        "请求体须为 application/x-www-form-urlencoded",
        "The body must be application/x-www-form-urlencoded",
    ),
    "open311_missing_field": ("缺少参数：{field}", "Missing argument: {field}"),
    "open311_repeated_field": ("参数重复：{field}", "Argument given more than once: {field}"),
    "open311_bad_argument": ("参数无效：{field}", "Invalid argument: {field}"),
    "open311_bad_datetime": (
        "{field} 须为带时区的 W3C 日期时间，如 2010-01-01T00:00:00Z",
        "{field} must be a W3C datetime with a zone, e.g. 2010-01-01T00:00:00Z",
    ),
    "open311_window_too_long": (
        "start_date 与 end_date 相隔不能超过 90 天",
        "start_date and end_date may not span more than 90 days",
    ),
    "open311_missing_location": (
        "须提供位置：lat 和 long", "A location is required: lat and long"
    ),
    "open311_address_only": (
        "仅凭地址无法定位网格，请提供 lat 和 long",
        "An address alone cannot be placed in a grid cell; send lat and long",
    ),
    "open311_bad_coordinate": ("坐标无效：{field}", "Invalid coordinate: {field}"),
    "open311_bad_crs": ("不支持的坐标系：{crs}", "Unsupported crs: {crs}"),
    "open311_description_too_long": (
        "description 不能超过 {limit} 个字符", "description may not exceed {limit} characters"
    ),
    "open311_field_too_long": (
        "{field} 不能超过 {limit} 个字符", "{field} may not exceed {limit} characters"
    ),
    "open311_bad_media_url": ("media_url 须为 http(s) 地址", "media_url must be an http(s) URL"),
    "open311_bad_text": ("{field} 含有无效字符", "{field} contains invalid characters"),
    "open311_bad_attribute": ("attribute 参数无效：{field}", "Invalid attribute argument: {field}"),
    "invalid_answers": ("问题的回答有误", "Some answers to the category's questions are invalid"),
    "webhook_target_forbidden": (
        "Webhook 不能发往该地址", "Webhooks may not be sent to this address"),
    "merge_master_not_open": (
        "主案件已结案或未立案，不能并单", "The master case is closed or rejected"
    ),
    "merge_follower_registered": (
        "案件 {case_code} 已立案，只能并入待审核的报告",
        "Case {case_code} is registered: only reports awaiting review can be merged"),
    "open311_extensions_json_only": (
        "extensions=true 仅提供 JSON 格式", "extensions=true is available in JSON only"
    ),
    # field work
    "grid_workers_only": ("只有网格员可以执行此操作", "Only grid workers can do this"),
    "not_your_patrol": ("这不是你的巡查", "This is not your patrol"),
    "patrol_already_open": ("已有一个进行中的巡查", "Another patrol is already open"),
    "patrol_track_purged": (
        "该巡查的轨迹已过保留期限并删除", "This patrol's track was deleted after its retention"
    ),
    # residents
    "staff_accounts_are_managed": (
        "工作人员账号由管理员管理，不能自行注销", "Staff accounts are managed by administrators"
    ),
    "too_many_watch_areas": ("最多可关注 {limit} 个区域", "At most {limit} watch areas"),
    "watch_circle_too_large": (
        "关注范围的半径不能超过 {limit} 米", "A watch circle's radius is at most {limit} m"
    ),
    "unknown_category_group": ("未知的类别大类：{codes}", "Unknown category group: {codes}"),
    "area_too_large_to_watch": (
        "只能关注街道、社区或单元网格", "Watch a street, a community or a grid cell"
    ),
    "cannot_follow_own_case": (
        "不能关注自己上报的案件，进展会直接通知您",
        "You cannot follow your own report; you hear of its progress anyway",
    ),
    # field work: check-ins and coverage
    "outside_own_cells": (
        "不在你负责的网格内（距最近的网格 {distance} 米）",
        "Outside your own grid cells ({distance} m from the nearest)",
    ),
    "no_own_cells": ("你还没有负责的网格", "You have no grid cells assigned"),
    "outside_your_area": ("该区域不在你的管辖范围内", "This area is outside your scope"),
    "missed_report_decided": ("该漏报已有结论", "This missed report was already decided"),
    # field work: fixes on the spot (自行处置)
    "on_site_fix_is_for_grid_workers": (
        "只有网格员可以上报自行处置", "Only grid workers report a fix on the spot"
    ),
    "on_site_fix_source": (
        "自行处置只能作为网格员本人的上报", "A fix on the spot is a grid worker's own report"
    ),
    "on_site_fix_not_allowed": (
        "类别 {category} 不允许自行处置", "Category {category} allows no fixes on the spot"
    ),
    "on_site_fix_outside_own_cells": (
        "只能在你负责的网格内自行处置，其他地方请正常上报",
        "Fixes on the spot are for your own grid cells; report it the usual way elsewhere",
    ),
    "on_site_photo_kind_missing": (
        "自行处置的照片须注明是处置前（before）还是处置后（after）",
        "A fix on the spot's photo must say whether it is before or after the fix",
    ),
    "not_an_on_site_fix": (
        "该案件不是自行处置上报，照片不能标为处置前或处置后",
        "This case was not reported as fixed on the spot: no before or after photos",
    ),
    "on_site_photos_are_the_reporters": (
        "只有上报的网格员可以提交自行处置照片",
        "Only the reporting grid worker sends the before and after photos",
    ),
    "on_site_photo_without_position": (
        "照片没有拍摄位置（GPS），无法核对是否在现场拍摄",
        "The photo has no GPS position, so it cannot be checked against the place",
    ),
    "on_site_photo_too_far": (
        "照片拍摄位置距案件 {distance} 米，超过 {limit} 米",
        "The photo was taken {distance} m from the case, more than {limit} m",
    ),
    "on_site_photos_out_of_order": (
        "处置后照片的拍摄时间早于处置前照片",
        "The after photo was taken before the before photo",
    ),
    "on_site_photos_identical": (
        "同一张照片不能既是处置前又是处置后",
        "The same photo cannot be both before and after the fix",
    ),
    "operation_id_reused": (
        "该操作编号已用于另一项操作", "This operation id was used for another operation"
    ),
}

# marshmallow's English messages, as they arrive in per-field validation errors.
FIELD_MESSAGES_ZH: Mapping[str, str] = {
    "Missing data for required field.": "缺少必填字段。",
    "Unknown field.": "未知字段。",
    "Field may not be null.": "该字段不能为空。",
    "Not a valid string.": "不是有效的字符串。",
    "Not valid text.": "含有无效字符。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid datetime.": "不是有效的日期时间。",
    "Not a valid date.": "不是有效的日期。",
    "Not a valid email address.": "不是有效的电子邮箱地址。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid mapping type.": "不是有效的对象。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "取值无效。",
    "Shorter than minimum length {min}.": "长度不能少于 {min}。",
    "Longer than maximum length {max}.": "长度不能超过 {max}。",
    "Length must be between {min} and {max}.": "长度必须在 {min} 与 {max} 之间。",
    "Must be greater than or equal to {min}.": "必须大于或等于 {min}。",
    "Must be less than or equal to {max}.": "必须小于或等于 {max}。",
    "Must be greater than or equal to {min} and less than or equal to {max}.":
        "必须在 {min} 与 {max} 之间。",
    "Must be one of: {choices}.": "必须是以下之一：{choices}。",
    "String does not match expected pattern.": "格式不正确。",
    "Not a valid phone number.": "不是有效的手机号码。",
    "Phone number already registered.": "该手机号已注册。",
    "Password must contain both letters and digits.": "密码须同时包含字母和数字。",
    "Password is too common.": "密码过于常见。",
    "Password must not contain the phone number.": "密码不能包含手机号。",
    "Unit staff need a unit.": "处置单位人员必须指定所属单位。",
    "No such unit.": "单位不存在。",
    "Supervisors need an area.": "监督指挥人员必须指定管辖区域。",
    "No such area.": "区域不存在。",
    "Not a grid cell: {ids}": "不是单元网格：{ids}",
    "Invalid cursor.": "分页游标无效。",
    "Must be a GeoJSON FeatureCollection.": "必须是 GeoJSON FeatureCollection。",
    "No features.": "没有要素。",
    "Must be min_lon,min_lat,max_lon,max_lat.": "格式应为 最小经度,最小纬度,最大经度,最大纬度。",
    "Not a grid worker: {ids}": "不是网格员：{ids}",
    "Unknown category.": "案件类别不存在。",
    "Must not be in the future.": "不能晚于当前时间。",
    "Must be between 2000-01-01 and 2100-01-01.": "必须在 2000-01-01 与 2100-01-01 之间。",
    "Outside every grid cell.": "该位置不在任何网格内。",
    "Coordinates out of range.": "坐标超出范围。",
    "No such case.": "案件不存在。",
    "Must be after the current deadline.": "必须晚于当前处置期限。",
    "The file is empty.": "文件为空。",
    "No such major class.": "大类不存在。",
    'Not a rate limit, e.g. "120 per minute;2000 per hour".':
        "不是有效的频率限制，例如 “120 per minute;2000 per hour”。",
    "No such staff member.": "工作人员不存在。",
    "Must not be before the start.": "不能早于开始时间。",
    "Unknown question.": "没有这个问题。",
    "Must be among the choices.": "必须是给定的选项之一。",
    "Give one value.": "只能填一个值。",
    "Needs a time zone.": "须带时区。",
    "Too long, or more than one line.": "过长，或不止一行。",
    "Question codes must differ.": "问题代码不能重复。",
    "A case cannot follow itself.": "案件不能并入自身。",
    "Choice keys must differ.": "选项代码不能重复。",
    "List questions need choices; other questions take none.":
        "列表类问题须给出选项，其他问题不能有选项。",
    "At most {days} days, not before from.": "最多 {days} 天，且不能早于起始日。",
    "Unknown action.": "未知的操作。",
    "No earlier report with this id.": "没有该编号的先前上报。",
    "Webhooks may not go to a cloud metadata address.": "Webhook 不能发往云元数据服务地址。",
    "Webhooks may not go to a loopback address.": "Webhook 不能发往本机回环地址。",
    "Webhooks may not go to a link-local address.": "Webhook 不能发往链路本地地址。",
    "Webhooks may not go to a reserved or multicast address.":
        "Webhook 不能发往保留地址或组播地址。",
    "Webhooks may not go to a private address here.": "本平台不允许 Webhook 发往内网地址。",
}


def negotiate_locale() -> str:
    """The locale for the current request: Accept-Language, else the deployment default."""
    default = current_app.config["GRID_SETTINGS"].default_locale
    if not has_request_context():
        return default
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default=default)
    return "zh-CN" if best and best.lower().startswith("zh") else (best or default)


def translate(code: str, locale: str | None = None, **params: Any) -> str:
    locale = locale or negotiate_locale()
    zh, en = MESSAGES.get(code, MESSAGES["internal_error"])
    template = en if locale == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def _translate_field_message(message: str) -> str:
    if message in FIELD_MESSAGES_ZH:
        return FIELD_MESSAGES_ZH[message]
    for english, chinese in FIELD_MESSAGES_ZH.items():
        if "{" not in english:
            continue
        head = english.split("{", 1)[0]
        if head and message.startswith(head):
            return _fill_like(english, chinese, message)
    return message


def _fill_like(english: str, chinese: str, message: str) -> str:
    """Carry the values of a filled-in English template over to its Chinese twin."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(english))
    match = re.fullmatch(pattern, message)
    return chinese.format(**match.groupdict()) if match else message


def localize_field_errors(errors: Any, locale: str) -> Any:
    """Translate marshmallow's nested error messages into the request's locale."""
    if locale == "en":
        return errors
    if isinstance(errors, dict):
        return {key: localize_field_errors(value, locale) for key, value in errors.items()}
    if isinstance(errors, list):
        return [localize_field_errors(item, locale) for item in errors]
    if isinstance(errors, str):
        return _translate_field_message(errors)
    return errors
