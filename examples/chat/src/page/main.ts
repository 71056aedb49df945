import { checkNick } from "../validation.js";
import { ChatPage } from "./chat-page.js";
import { pageElements } from "./dom.js";

const NICK_KEY = "parley-chat:nick";

/** Entry: ask for a nickname, then open the chat with it. */
function boot(): void {
  const els = pageElements();
  els.nick.value = localStorage.getItem(NICK_KEY) ?? "";
  els.nick.focus();

  const backToLogin = (message: string) => {
    els.app.hidden = true;
    els.login.hidden = false;
    els.loginError.textContent = message;
    els.nick.focus();
  };

  els.loginForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const checked = checkNick(els.nick.value);
    if (!checked.ok) {
      els.loginError.textContent = checked.error.message;
      return;
    }
    if (typeof io !== "function") {
      els.loginError.textContent = "The chat server's client script did not load. Reload the page.";
      return;
    }
    localStorage.setItem(NICK_KEY, checked.value);
    els.loginError.textContent = "";
    els.login.hidden = true;
    els.app.hidden = false;
    new ChatPage(els, checked.value, backToLogin);
    els.message.focus();
  });
}

boot();
