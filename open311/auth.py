"""Open311's `api_key` is a govgrid API token (POST /api/v1/auth/token/): the same key works as
`api_key` in the query string or the form body, and as `Authorization: Token <key>`."""

from grids.auth import ScopedTokenAuthentication


class ApiKeyAuthentication(ScopedTokenAuthentication):
    def authenticate(self, request):
        key = request.query_params.get("api_key")
        if not key and request.method not in ("GET", "HEAD", "OPTIONS"):
            data = request.data
            key = data.get("api_key") if hasattr(data, "get") else None
        if not key:
            return None
        return self.authenticate_credentials(str(key))
