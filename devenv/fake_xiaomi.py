"""A local stand-in for Xiaomi MiPush (v3/message/regid): ``Authorization: key=<AppSecret>``,
the app's package name, and a private-message channel on every notification."""

from __future__ import annotations

from devenv.fake_vendor import FakeVendor, Reply

MAX_REGIDS, MAX_TITLE, MAX_DESCRIPTION = 1000, 50, 128


class FakeXiaomi(FakeVendor):
    def __init__(self, app_secret: str = "xiaomi-app-secret",
                 package_name: str = "org.gridapi.app", channel_id: str = "case_updates") -> None:
        super().__init__()
        self.app_secret, self.package_name, self.channel_id = app_secret, package_name, channel_id

    def handle(self, method: str, path: str, query, headers, raw: bytes) -> Reply:
        if method != "POST" or path != "/v3/message/regid":
            return 404, {"result": "error", "code": 10014, "description": "接口不存在"}, {}
        if headers.get("Authorization") != f"key={self.app_secret}":
            return 200, self.error(21301, "认证失败"), {}
        form = self.form(raw)
        self.record(form=form)
        regids = [regid for regid in form.get("registration_id", "").split(",") if regid]
        problem = self.check(form, regids)
        if problem:
            return 200, self.error(*problem), {}
        trouble = self.trouble()
        if trouble == "fail":
            return 200, self.error(10009, "系统繁忙"), {}
        if trouble == "throttle":
            return 200, self.error(10023, "用户请求频次超过上限"), {
                "Retry-After": str(self.throttle_seconds)}
        if trouble == "quota":
            return 200, self.error(200002, "超过当日推送数量限制"), {}
        bad = [regid for regid in regids if regid.startswith("dead-")]
        self.accept([regid for regid in regids if regid not in bad])
        data = {"id": f"scm{len(self.received):08d}"}
        if bad:
            data["bad_regids"] = ",".join(bad)
        return 200, {"result": "ok", "code": 0, "data": data, "description": "成功",
                     "info": f"Received push messages for {len(regids)} REGID",
                     "trace_id": f"Xcm{len(self.received)}"}, {}

    def check(self, form: dict[str, str], regids: list[str]) -> tuple[int, str] | None:
        if not regids or len(regids) > MAX_REGIDS:
            return 10016, "registration_id 缺失或超过 1000 个"
        if form.get("restricted_package_name") != self.package_name:
            return 10016, "restricted_package_name 与 AppSecret 不符"
        if not 0 < len(form.get("title", "")) <= MAX_TITLE:
            return 10016, "title 缺失或过长"
        if len(form.get("description", "")) > MAX_DESCRIPTION:
            return 10016, "description 过长"
        if form.get("extra.channel_id") != self.channel_id:
            return 10016, "extra.channel_id 不是已登记的私信通道"
        return None

    @staticmethod
    def error(code: int, description: str) -> dict:
        return {"result": "error", "code": code, "description": description,
                "reason": description}
