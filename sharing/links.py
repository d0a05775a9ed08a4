"""Share links: plain addresses of each network's share page, with the page's
address and a short text in the query. They are ordinary links (no script or
widget of the network's ever loads here), so sharing tells a network nothing
until the visitor chooses it.
"""

from urllib.parse import quote, urlencode

from django.utils.translation import gettext


def share_links(url: str, text: str) -> list[dict]:
    """Each network's share link for the absolute `url` with `text`."""
    both = f"{text} {url}"
    found = [
        {
            "network": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "network": "X (Twitter)",
            "href": "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": text}),
        },
        {
            "network": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {"network": "WhatsApp", "href": "https://wa.me/?" + urlencode({"text": both})},
        {
            "network": gettext("Email"),
            # quote, not urlencode: mail programs read "+" as a plus, not a space.
            "href": f"mailto:?subject={quote(text)}&body={quote(both)}",
        },
    ]
    for link in found:
        if link["href"].startswith("mailto:"):
            link["label"] = gettext("Share by email")
        else:
            link["label"] = gettext("Share on %(network)s") % {"network": link["network"]}
    return found
