// Puts CSS into a shadow root. Constructable stylesheets are not inline styles, so a strict
// Content-Security-Policy (no 'unsafe-inline') does not block them; older engines get a <style>
// carrying the page's nonce.
/**
 * @param {ShadowRoot} root
 * @param {string} css
 * @param {string} [nonce]
 */
export function adoptStyles(root, css, nonce) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = root.adoptedStyleSheets.concat(sheet);
    return;
  } catch (error) {
    // fall through to <style>
  }
  const style = document.createElement("style");
  if (nonce) style.nonce = nonce;
  style.textContent = css;
  root.append(style);
}
