"""The REST API's views, one module per resource (api/urls.py routes them); their OpenAPI
documentation is api/openapi.py."""
