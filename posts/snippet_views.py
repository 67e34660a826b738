"""The page of a brand's hashtag groups and snippets: everyone who writes posts sees them
(and inserts them from the composer); owners and managers (``manage_brands``) add, change
and delete them, as they look after the brand's other settings."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from posts.models import Snippet
from posts.snippets import SnippetForm
from smm.models import Brand
from smm.request_input import get_id, id_or_404
from smm.tenancy import require, scoped, scoped_or_404, workspace_view

EDIT_RIGHT = "manage_brands"


@workspace_view("write_posts")
def snippets(request, ws, brand_id):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    editing = None
    edit_id = get_id(request.GET, "edit")
    if edit_id:
        editing = scoped_or_404(request, Snippet, pk=edit_id, brand=brand)
    form = SnippetForm(instance=editing, brand=brand) if editing else SnippetForm(brand=brand)
    if request.method == "POST":
        require(request, EDIT_RIGHT)
        if "delete" in request.POST:
            gone = scoped_or_404(request, Snippet, pk=id_or_404(request.POST["delete"]), brand=brand)
            gone.delete()
            messages.success(request, f"Deleted “{gone.name}”.")
            return redirect("posts:snippets", ws=ws, brand_id=brand.pk)
        snippet_id = request.POST.get("snippet")
        editing = scoped_or_404(request, Snippet, pk=id_or_404(snippet_id), brand=brand) if snippet_id else None
        form = SnippetForm(request.POST, instance=editing, brand=brand)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.brand = brand
            saved.save()
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("posts:snippets", ws=ws, brand_id=brand.pk)
    return render(
        request,
        "posts/snippets.html",
        {
            "brand": brand,
            "brands": scoped(request, Brand),
            "groups": brand.snippets.filter(kind=Snippet.Kind.HASHTAGS),
            "texts": brand.snippets.filter(kind=Snippet.Kind.TEXT),
            "form": form,
            "editing": editing,
            "can_edit": request.membership.can(EDIT_RIGHT),
        },
    )
