// A root afterEach hook for the socket.io-client suite. Its timer tests install
// @sinonjs/fake-timers on the global object and uninstall them as their last statement, so a
// test that fails before that line leaves every later test on a frozen clock: each then times
// out, and one failure reads as seventy. Uninstalling a leaked clock after each test keeps
// each result about its own test; it changes nothing for a test that cleaned up after itself.
"use strict";

exports.mochaHooks = {
  afterEach() {
    const clock = globalThis.setTimeout?.clock;
    if (clock && typeof clock.uninstall === "function") clock.uninstall();
  },
};
