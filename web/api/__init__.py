"""The JSON API's handlers, one module per resource, named as their pages in
web/pages/. The route table that maps them to paths is web/api_routes.py."""
