"""The web app: server-rendered pages, the JSON API and authentication."""
