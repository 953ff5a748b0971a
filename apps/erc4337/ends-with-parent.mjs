// Preloaded into the bundler process (node --import): it runs in its own process group, so a terminal's Ctrl-C does not
// stop it under the session's graceful stop (in-flight operations still need it). Instead it ends with its parent:
// the IPC channel closes when the parent exits, however it exits.
process.on("disconnect", () => process.exit(0));
