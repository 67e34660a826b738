"""Inbox pages: the prioritised list (with a live-refreshing fragment), one conversation,
and the workspace's keywords and saved replies. Rules live in actions.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from inbox import actions
from inbox.forms import FilterForm, KeywordForm, NoteForm, ReplyForm, SavedReplyForm, SnoozeForm
from inbox.models import InboxItem, InboxKeyword, InboxReply, SavedReply, Status
from smm.models import Brand, Membership, SocialAccount
from smm.request_input import BadParameter, as_id, id_or_404, local_next
from smm.tenancy import require, scoped, scoped_or_404, workspace_view

PAGE_SIZE = 50
FILTER_KEYS = ("q", "status", "brand", "account", "network", "kind", "sentiment", "sort")


def _filter_form(request) -> FilterForm:
    brands = list(scoped(request, Brand))
    accounts = list(scoped(request, SocialAccount).select_related("brand"))
    return FilterForm(request.GET or None, brands=brands, accounts=accounts, internal=sees_internal(request))


def filtered_items(workspace, user, form: FilterForm, *, internal: bool = True):
    """The list's queryset for the form's filters (also used by prev/next and the bench).
    Without ``internal`` (a client) the team's triage neither filters nor orders it:
    "assigned to me" and the priority order would tell who has what and how it scores."""
    items = InboxItem.objects.for_workspace(workspace)
    status = form.value("status", "open")
    if status == "mine" and not internal:
        status = Status.OPEN
    if status == "mine":
        items = items.filter(status=Status.OPEN, assignee=user)
    elif status in (Status.OPEN, Status.SNOOZED, Status.DONE):
        items = items.filter(status=status)
    # Brand and network narrow the workspace's (few) accounts first, so the item query
    # filters on account_id alone and keeps to the item indexes instead of joining.
    brand, network = form.value("brand"), form.value("network")
    if brand or network:
        accounts = SocialAccount.objects.for_workspace(workspace)
        if brand:
            accounts = accounts.filter(brand_id=brand)
        if network:
            accounts = accounts.filter(network=network)
        items = items.filter(account_id__in=list(accounts.values_list("id", flat=True)))
    if account := form.value("account"):
        items = items.filter(account_id=account)
    if kind := form.value("kind"):
        items = items.filter(kind=kind)
    if sentiment := form.value("sentiment"):
        items = items.sentiment(sentiment)
    if q := form.value("q", "").strip():
        items = items.filter(search_condition(q))
    if form.value("sort", "priority") == "newest" or not internal:
        items = items.order_by("-created_at", "-id")
    else:
        items = items.order_by("-priority", "-created_at", "-id")
    return items


def search_condition(q: str) -> Q:
    """The search box: the words in the text, the author's handle or name, any case. On
    PostgreSQL each of the three is answered from a trigram index (migration inbox.0003)."""
    return Q(text__icontains=q) | Q(author_handle__icontains=q) | Q(author_name__icontains=q)


def page_rows(items, offset: int, limit: int) -> list[InboxItem]:
    """One page of the list. Accounts, brands and assignees come in separate small
    queries (prefetch, not joins) so the page query stays on one index."""
    return list(items.prefetch_related("account__brand", "assignee")[offset : offset + limit])


def _querystring(form: FilterForm, **changes) -> str:
    params = {key: form.data.get(key) for key in FILTER_KEYS if form.is_bound and form.data.get(key)}
    params.update({k: v for k, v in changes.items() if v})
    return urlencode(params)


def sees_internal(request) -> bool:
    return request.membership.can("see_internal")


def _page(request, form):
    InboxItem.objects.for_workspace(request.workspace).wake_snoozed()
    number = form.value("page", 1)
    items = filtered_items(request.workspace, request.user, form, internal=sees_internal(request))
    rows = page_rows(items, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    return {
        "items": rows[:PAGE_SIZE],
        "page_number": number,
        "has_next": len(rows) > PAGE_SIZE,
        "querystring": _querystring(form),
        "next_querystring": _querystring(form, page=number + 1),
        "prev_querystring": _querystring(form, page=number - 1 if number > 1 else None),
    }


@require_GET
@workspace_view("view")
def inbox_list(request, ws):
    form = _filter_form(request)
    context = _page(request, form)
    base = InboxItem.objects.for_workspace(request.workspace)
    counts = {
        "open": base.filter(status=Status.OPEN).count(),
        "unanswered": base.filter(status=Status.OPEN, first_response_at__isnull=True).count(),
    }
    if sees_internal(request):
        counts["mine"] = base.filter(status=Status.OPEN, assignee=request.user).count()
    context.update(form=form, counts=counts, status=form.value("status", "open"))
    return render(request, "inbox/list.html", context)


@require_GET
@workspace_view("view")
def inbox_items(request, ws):
    """The list's rows alone: htmx polls this every few seconds for live arrivals."""
    form = _filter_form(request)
    return render(request, "inbox/_items.html", _page(request, form))


def _neighbours(request, form, item):
    """Previous and next item of the list the person came from (first 500 rows)."""
    items = filtered_items(request.workspace, request.user, form, internal=sees_internal(request))
    ids = list(items.values_list("id", flat=True)[:500])
    if item.pk not in ids:
        return None, (ids[0] if ids else None)
    index = ids.index(item.pk)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following


@require_GET
@workspace_view("view")
def inbox_item(request, ws, item_id):
    related = ("account__brand", "assignee", "post_target__post")
    item = get_object_or_404(scoped(request, InboxItem).select_related(*related), pk=item_id)
    form = _filter_form(request)
    previous, following = _neighbours(request, form, item)
    qs = _querystring(form)
    internal = sees_internal(request)
    members = []
    if request.membership.can("manage_inbox"):
        members = Membership.objects.for_workspace(request.workspace).select_related("user").order_by("user__username")
    saved = [(saved, saved.render(item)) for saved in SavedReply.objects.for_workspace(request.workspace)]
    return render(
        request,
        "inbox/item.html",
        {
            "item": item,
            **_thread_context(item),
            # Not even handed to the template for a client: notes never reach one.
            "notes": item.notes.select_related("author") if internal else [],
            "members": [m for m in members if m.can("reply_inbox")],
            "saved_replies": saved,
            "reply_form": ReplyForm(),
            "note_form": NoteForm(),
            "snooze_form": SnoozeForm(),
            "querystring": qs,
            "previous_url": _item_url(ws, previous, qs),
            "next_url": _item_url(ws, following, qs),
            "list_url": reverse("inbox:list", kwargs={"ws": ws}) + (f"?{qs}" if qs else ""),
        },
    )


def _thread_context(item: InboxItem) -> dict:
    """The conversation: the items of the thread and our replies, oldest first."""
    thread = list(
        InboxItem.objects.filter(account=item.account, thread_key=item.thread_key)
        .exclude(thread_key="")
        .select_related("account")
        .order_by("created_at", "id")[:200]
    ) or [item]
    replies = list(InboxReply.objects.filter(item__in=thread).select_related("author"))
    entries = [("item", row.created_at, row) for row in thread] + [
        ("reply", reply.sent_at or reply.created_at, reply) for reply in replies
    ]
    entries.sort(key=lambda entry: entry[1])
    pending = any(reply.state in (InboxReply.State.QUEUED, InboxReply.State.SENDING) for reply in replies)
    return {"entries": entries, "pending": pending}


@require_GET
@workspace_view("view")
def inbox_thread(request, ws, item_id):
    """The conversation alone: polled while one of our replies is on its way."""
    item = get_object_or_404(scoped(request, InboxItem).select_related("account__brand"), pk=item_id)
    return render(request, "inbox/_thread.html", {"item": item, **_thread_context(item)})


def _item_url(ws, item_id, qs):
    if not item_id:
        return ""
    url = reverse("inbox:item", kwargs={"ws": ws, "item_id": item_id})
    return f"{url}?{qs}" if qs else url


def _back(request, ws, item):
    item_url = reverse("inbox:item", kwargs={"ws": ws, "item_id": item.pk})
    return redirect(local_next(request, request.POST.get("next"), item_url))


@require_POST
@workspace_view("reply_inbox")
def inbox_reply(request, ws, item_id):
    item = get_object_or_404(scoped(request, InboxItem).select_related("account__brand"), pk=item_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a reply first.")
        return _back(request, ws, item)
    actions.queue_reply(item, request.user, form.cleaned_data["text"])
    if request.POST.get("and_done"):
        actions.set_status(item, Status.DONE, request.user)
    messages.success(request, f"Reply to {item.author_label} is on its way.")
    return _back(request, ws, item)


@require_POST
@workspace_view("reply_inbox")
def inbox_reply_retry(request, ws, item_id, reply_id):
    reply = scoped_or_404(request, InboxReply, pk=reply_id, item_id=item_id)
    actions.retry_reply(reply)
    messages.success(request, "Sending the reply again.")
    return _back(request, ws, reply.item)


def _unconfirmed_reply(request, item_id, reply_id) -> InboxReply:
    return get_object_or_404(
        scoped(request, InboxReply).select_related("item__account__brand", "author"), pk=reply_id, item_id=item_id
    )


@require_GET
@workspace_view("reply_inbox")
def inbox_reply_check(request, ws, item_id, reply_id):
    """An unconfirmed reply: what to look for on the network, and the two answers."""
    reply = _unconfirmed_reply(request, item_id, reply_id)
    if reply.state != InboxReply.State.UNKNOWN:
        return redirect(reply.item.get_absolute_url())
    return render(request, "inbox/reply_check.html", {"reply": reply, "item": reply.item})


@require_POST
@workspace_view("reply_inbox")
def inbox_reply_on_network(request, ws, item_id, reply_id):
    reply = _unconfirmed_reply(request, item_id, reply_id)
    if actions.confirm_reply_sent(reply, request.user):
        messages.success(request, "Marked as sent.")
    else:
        messages.info(request, "This reply is not waiting for a check any more.")
    return redirect(reply.item.get_absolute_url())


@require_POST
@workspace_view("reply_inbox")
def inbox_reply_send_again(request, ws, item_id, reply_id):
    reply = _unconfirmed_reply(request, item_id, reply_id)
    if actions.send_reply_again(reply, request.user):
        messages.success(request, f"Sending the reply to {reply.item.author_label} again.")
    else:
        messages.info(request, "This reply is not waiting for a check any more.")
    return redirect(reply.item.get_absolute_url())


@require_POST
@workspace_view("manage_inbox")
def inbox_assign(request, ws, item_id):
    item = scoped_or_404(request, InboxItem, pk=item_id)
    chosen = request.POST.get("assignee", "").strip()
    user_id = as_id(chosen) if chosen else None
    if chosen and user_id is None:
        raise BadParameter("Choose a member to assign.", field="assignee")
    try:
        assignee = actions.assign(item, user_id, request.user)
    except ValidationError as refused:
        raise BadParameter(refused.message_dict["assignee"][0], field="assignee") from None
    messages.success(request, f"Assigned to {assignee.get_username()}." if assignee else "Unassigned.")
    return _back(request, ws, item)


@require_POST
@workspace_view("reply_inbox")
def inbox_status(request, ws, item_id):
    item = scoped_or_404(request, InboxItem, pk=item_id)
    status = request.POST.get("status")
    if status == Status.SNOOZED:
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("until", ["Choose a time to snooze until."])))
            return _back(request, ws, item)
        actions.set_status(item, Status.SNOOZED, request.user, snoozed_until=form.cleaned_data["until"])
        messages.success(request, "Snoozed.")
    elif status in (Status.OPEN, Status.DONE):
        actions.set_status(item, status, request.user)
        messages.success(request, "Marked done." if status == Status.DONE else "Reopened.")
    else:
        return HttpResponseBadRequest("Unknown status")
    return _back(request, ws, item)


@require_POST
@workspace_view("reply_inbox")
def inbox_note(request, ws, item_id):
    item = scoped_or_404(request, InboxItem, pk=item_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(item, request.user, form.cleaned_data["text"])
    else:
        messages.error(request, "A note needs some text.")
    return _back(request, ws, item)


@workspace_view("manage_inbox")
def inbox_settings(request, ws):
    keyword_form = KeywordForm(workspace=request.workspace)
    saved_form = SavedReplyForm(workspace=request.workspace)
    if request.method == "POST":
        require(request, "manage_inbox")
        what = request.POST.get("what")
        if what == "keyword":
            keyword_form = KeywordForm(request.POST, workspace=request.workspace)
            if keyword_form.is_valid():
                keyword = keyword_form.save(commit=False)
                keyword.workspace = request.workspace
                keyword.save()
                messages.success(request, f"Keyword “{keyword.word}” added; new items are scored with it.")
                return redirect("inbox:settings", ws=ws)
        elif what == "saved_reply":
            saved_form = SavedReplyForm(request.POST, workspace=request.workspace)
            if saved_form.is_valid():
                saved = saved_form.save(commit=False)
                saved.workspace = request.workspace
                saved.save()
                messages.success(request, f"Saved reply “{saved.title}” added.")
                return redirect("inbox:settings", ws=ws)
        elif what in ("delete_keyword", "delete_saved_reply"):
            model = InboxKeyword if what == "delete_keyword" else SavedReply
            scoped_or_404(request, model, pk=id_or_404(request.POST.get("id"))).delete()
            return redirect("inbox:settings", ws=ws)
    return render(
        request,
        "inbox/settings.html",
        {
            "keywords": scoped(request, InboxKeyword),
            "saved_replies": scoped(request, SavedReply),
            "keyword_form": keyword_form,
            "saved_form": saved_form,
        },
    )
