from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    # (label, url name, right, order): picked up by smm.context_processors.workspace_menu
    nav_entries = [("Posts", "posts:list", "view", 20)]
