// The host's look: its theme and the spec's standard CSS variables (--color-*, --font-*,
// --border-radius-*) land on the root element, where card.css reads them with fallbacks of its
// own; and the card's height goes back to the host so its frame fits the content.

/** Applies a host context (from `ui/initialize`, or a partial one from a change). */
export function applyHostContext(context) {
  const root = document.documentElement;
  if (context.theme === "light" || context.theme === "dark") {
    root.dataset.theme = context.theme;
    // Host variables written with light-dark() resolve by this.
    root.style.colorScheme = context.theme;
  }
  const variables = context.styles?.variables ?? {};
  for (const [name, value] of Object.entries(variables)) {
    if (!name.startsWith("--")) continue;
    if (value == null) root.style.removeProperty(name);
    else root.style.setProperty(name, String(value));
  }
  const fonts = context.styles?.css?.fonts;
  if (typeof fonts === "string") hostFonts().textContent = fonts;
  const dimensions = context.containerDimensions;
  if (dimensions && "maxHeight" in dimensions && dimensions.maxHeight) {
    root.style.maxHeight = `${dimensions.maxHeight}px`;
  }
}

function hostFonts() {
  let style = document.getElementById("host-fonts");
  if (!style) {
    style = document.createElement("style");
    style.id = "host-fonts";
    document.head.append(style);
  }
  return style;
}

/**
 * Tells the host the card's height whenever it changes (`ui/notifications/size-changed`).
 * Only the height: the card takes whatever width it is given.
 */
export function reportSize(bridge) {
  let last = 0;
  const send = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      bridge.notify("ui/notifications/size-changed", { height });
    }
  };
  new ResizeObserver(send).observe(document.documentElement);
  send();
}
