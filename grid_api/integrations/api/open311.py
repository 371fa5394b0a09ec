"""Open311 GeoReport v2 under ``/open311/v2/``: discovery, services, service definitions,
service requests (list, one, create) and tokens, as ``.xml`` (the standard's required
format) or ``.json``. Errors on these paths are the standard's ``{code, description}`` lists
with 400, 403 or 404 (429 when a client's rate limit is spent), never problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from flask.views import MethodView
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from grid_api.errors import AppError, BadRequest, NotFound
from grid_api.integrations import open311_catalogue as catalogue
from grid_api.integrations import open311_formats as formats
from grid_api.integrations import open311_requests as requests_
from grid_api.integrations import open311_submission as submission
from grid_api.integrations.api.keys import client_for_key
from grid_api.integrations.open311_arguments import list_arguments
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.i18n import localize_field_errors, negotiate_locale, translate
from models.integration import ClientOperation

blp = Blueprint("open311", __name__, url_prefix="/open311/v2",
                description="Open311 GeoReport v2: XML (required by the standard) and JSON; "
                            "errors are the standard's lists, not problem+json. Status "
                            "mapping and extensions: README, Open311.")
FMT = "<any(json, xml):fmt>"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
KEPT_STATUSES = frozenset({403, 404, 429})  # the standard: 400 for every other refusal


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in formats.FORMATS:
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


def respond(root: str, body, status: int = 200, fmt: str | None = None) -> Response:
    data, content_type = formats.render(fmt or _format(), root, body)
    return Response(data, status=status, content_type=content_type)


def _errors(status: int, problems: list[tuple[int, str]], headers=None) -> Response:
    response = respond("errors", formats.error_list(problems), status)
    response.headers["Content-Language"] = negotiate_locale()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _fields(errors: dict) -> Iterator[tuple[str, list]]:
    """Per-field messages by the form's names: the answers to the category's questions are
    the request's ``attribute[code]``."""
    for name, messages in errors.items():
        if isinstance(messages, dict):
            prefix = "attribute" if name == "answers" else name
            yield from ((f"{prefix}[{code}]", inner) for code, inner in messages.items())
        else:
            yield name, messages


@blp.errorhandler(AppError)
def _app_error(error: AppError) -> Response:
    locale = negotiate_locale()
    status = error.status if error.status in KEPT_STATUSES else 400
    message = translate(error.detail_code, locale, **error.params)
    problems = [(status, message)] + [
        (status, f"{name}: {'; '.join(map(str, messages))}")
        for name, messages in _fields(localize_field_errors(error.errors, locale))]
    return _errors(status, problems, error.headers)


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code if error.code in KEPT_STATUSES else 400
    headers = {"Allow": ", ".join(error.valid_methods)} if isinstance(
        error, MethodNotAllowed) and error.valid_methods else None
    return _errors(status, [(status, f"{error.code} {error.name}")], headers)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)


def _check_jurisdiction() -> None:
    expected = current_app.config["GRID_SETTINGS"].open311_jurisdiction_id
    given = request.values.get("jurisdiction_id") or None
    if expected and given is not None and given != expected:
        raise NotFound("unknown_jurisdiction", params={"jurisdiction": given[:80]})


def _caller_id() -> int | None:
    """The client whose ``api_key`` came along (it also sees its own unreviewed cases)."""
    raw = request.args.get("api_key") or None
    return None if raw is None else client_for_key(raw).client_id


@blp.route(f"/discovery.{FMT}")
class Discovery(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, fmt):
        """Service discovery: where the endpoint is and which formats it speaks."""
        settings = current_app.config["GRID_SETTINGS"]
        return respond("discovery", catalogue.discovery(
            db.session(), url=request.host_url + "open311/v2",
            contact=settings.open311_contact, key_service=settings.open311_key_service,
            production=settings.production))


@blp.route(f"/services.{FMT}")
class Services(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, fmt):
        """GET Service List: the minor category classes, grouped by major class."""
        _check_jurisdiction()
        return respond("services", catalogue.services(db.session(), negotiate_locale()))


@blp.route(f"/services/<string:code>.{FMT}")
class ServiceDefinition(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, code, fmt):
        """GET Service Definition: the category's questions (Open311 attributes)."""
        _check_jurisdiction()
        return respond("service_definition",
                       catalogue.service_definition(db.session(), code, negotiate_locale()))


@blp.route(f"/requests.{FMT}")
class ServiceRequests(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, fmt):
        """GET Service Requests (newest first), with the extensions ``page``/``page_size``,
        ``updated_after``/``updated_before`` and ``extensions=true`` (JSON only)."""
        _check_jurisdiction()
        args = list_arguments(request.args.to_dict(flat=False))
        if args.extensions and fmt != "json":
            raise BadRequest("open311_extensions_json_only")
        query = requests_.requests_query(args.criteria, _caller_id())
        cases = db.session().execute(
            query.offset((args.page - 1) * args.page_size).limit(args.page_size)
        ).scalars().all()
        return respond("service_requests", requests_.describe_requests(
            db.session(), cases, locale=negotiate_locale(), zone=_zone(),
            extensions=args.extensions))

    @permissions.require(permissions.PUBLIC)  # the form's api_key is checked below
    @db.transactional
    def post(self, fmt):
        """POST Service Request: form-encoded, with the client's ``api_key``; files a case
        of the client (lat/long in WGS-84, or in the ``crs`` extension's gcj02/bd09)."""
        _check_jurisdiction()
        if request.mimetype not in FORM_TYPES:
            raise BadRequest("open311_form_expected")
        client = client_for_key(request.form.get("api_key") or None,
                                ClientOperation.open311_submit)
        form = submission.parse_form(list(request.form.items(multi=True)))
        code, _link = submission.file_request(
            db.session(), client, current_app.extensions["grid_case_settings"], form,
            locale=negotiate_locale())
        return respond("service_requests", [{
            "service_request_id": code, "service_notice": None,
            "account_id": form.person.get("account_id")}])


@blp.route(f"/requests/<string:request_id>.{FMT}")
class ServiceRequest(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, request_id, fmt):
        """GET Service Request: one request, in a list as the standard has it."""
        _check_jurisdiction()
        extensions = request.args.get("extensions", "false").lower() == "true"
        if extensions and fmt != "json":
            raise BadRequest("open311_extensions_json_only")
        case = requests_.get_request(db.session(), request_id, _caller_id())
        return respond("service_requests", requests_.describe_requests(
            db.session(), [case], locale=negotiate_locale(), zone=_zone(),
            extensions=extensions))


@blp.route(f"/tokens/<string:token>.{FMT}")
class Token(MethodView):
    @permissions.require(permissions.PUBLIC)
    def get(self, token, fmt):
        """GET service_request_id from a token."""
        _check_jurisdiction()
        code = requests_.resolve_token(db.session(), token)
        return respond("service_requests", [{"service_request_id": code, "token": token}])


@blp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@permissions.require(permissions.PUBLIC)
def unknown(anything):
    """Anything else under /open311/v2/ answers in the standard's error format: 405 where
    the path exists for other methods, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != request.url_rule.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound("route_not_found", params={"path": request.path})
