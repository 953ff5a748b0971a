import { describe, expect, it } from "vitest";
import { z } from "zod/v4";
import { settled, settledBodySerializer } from "./settled-body.ts";

const schema = z.object({ n: z.int(), inner: z.object({ s: z.string() }) });
const serializer = () => settledBodySerializer({ schema, method: "GET", url: "/x", httpStatus: "200" });

describe("settledBodySerializer", () => {
  it("validates a settled answer once and returns its bytes after that; a fresh object is serialized each time", () => {
    const serialize = serializer();
    const answer = settled({ n: 1, inner: { s: "a" } });
    expect(Object.isFrozen(answer.inner)).toBe(true);
    const body = serialize(answer);
    expect(body).toBe('{"n":1,"inner":{"s":"a"}}');
    expect(serialize(answer)).toBe(body);

    const plain = { n: 2, inner: { s: "b" } };
    expect(serialize(plain)).toBe('{"n":2,"inner":{"s":"b"}}');
    plain.n = 3;
    expect(serialize(plain)).toBe('{"n":3,"inner":{"s":"b"}}');
  });

  it("refuses a settled answer the schema refuses, as for any answer", () => {
    expect(() => serializer()(settled({ n: 1.5, inner: { s: "a" } }))).toThrow();
  });

  it("copies what it settles: the caller's object stays its own", () => {
    const original = { n: 1, inner: { s: "a" } };
    settled(original);
    original.inner.s = "changed";
    expect(Object.isFrozen(original)).toBe(false);
  });
});
