"""SMM core: tenancy, brands, accounts, platform adapters, and the project itself."""

from smm.celery import app as celery_app

__all__ = ("celery_app",)
