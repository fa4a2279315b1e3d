// Push: show what the server sent (its words are already in the parent's language and,
// in discreet mode, say nothing about who or what), and open the right page when tapped.
// The tag means a second copy of the same message replaces the first, never shows twice.

function samePath(url) {
  // Only a path on this site: a message can never send the parent somewhere else.
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : "/";
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const icon = SHELL.find((address) => address.includes("/icons/icon-192"));
  event.waitUntil(
    self.registration.showNotification(data.title || "Next Steps", {
      body: data.body || "",
      tag: data.tag || undefined,
      lang: data.lang || "",
      dir: data.dir === "rtl" ? "rtl" : "auto",
      icon: icon,
      data: { url: samePath(data.url) },
    }).then(() => {
      // Tell the server it was shown (the message's random id, nothing else, no cookies),
      // so a "then text" fallback for it does not go.
      if (typeof data.id !== "string" || !data.id) return null;
      return fetch("/notify/shown", {
        method: "POST",
        credentials: "omit",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: data.id }),
      }).catch(() => null);
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(samePath(event.notification.data && event.notification.data.url), self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin === self.location.origin && "navigate" in client) {
        const opened = await client.navigate(url).catch(() => null);
        return (opened || client).focus();
      }
    }
    return self.clients.openWindow(url);
  })());
});
