// Browser globals the type checker's DOM library does not declare (or not on every engine).

/** window.LiveChat, defined by loader.js (docs/widget.md: the host page's API). */
interface LiveChatGlobal {
  (name: string, ...args: unknown[]): unknown;
  /** A host's stub queues calls here until the loader runs. */
  q?: ArrayLike<unknown>[];
  ready(callback?: () => void): Promise<unknown>;
  open(): void;
  close(): void;
  toggle(): void;
  on(name: string, callback: (detail: unknown) => void): () => void;
  pageview(): void;
  setLanguage(language: string): void;
  /** The chat bundle's mount point, keyed by Symbol.for("livechat.mount"); not documented API. */
  [mount: symbol]: any;
}

/** The part of the Trusted Types API the loader uses. */
interface LiveChatTrustedTypes {
  createPolicy(name: string, rules: { createScriptURL(value: string): string }): { createScriptURL(value: string): any };
}

interface Window {
  LiveChat?: LiveChatGlobal;
  trustedTypes?: LiveChatTrustedTypes;
  webkitAudioContext?: typeof AudioContext;
}

/** What the chat bundle's start function returns to the loader. */
interface LiveChatChat {
  open(): void;
  close(): void;
  toggle(): void;
  isOpen(): boolean;
  /** A single-page app's route change (LiveChat.pageview()). */
  page(page: { url: string; title: string }): void;
  /** Disconnects and removes the panel (LiveChat.setLanguage starts a new one). */
  destroy(): void;
}

/** The launcher's elements, drawn by loader.js and handed to the chat bundle. */
interface LiveChatLauncher {
  host: HTMLElement;
  root: ShadowRoot;
  app: HTMLElement;
  launcher: HTMLElement;
  badge: HTMLElement;
  unreadText: HTMLElement;
}

/** The loader's reading of its script tag's data attributes. */
interface LiveChatConfig {
  chatUrl: string;
  settingsUrl: string;
  socketioPath: string;
  language: string;
  nonce: string;
  /** The server said this browser may be recognised (consent): only then is the tab's storage read. */
  remembered: boolean;
}

/** What the loader hands the chat bundle's start function. */
interface LiveChatContext extends LiveChatLauncher {
  config: LiveChatConfig;
  emit(name: string, detail: unknown): void;
  /** A script URL the loader's Trusted Types policy lets through (the chat and emoji bundles only). */
  scriptUrl(url: string): any;
}
