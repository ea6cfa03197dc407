/** The EventStoreDB adapter's own deadline, checked without any EventStoreDB: a server that never answers. */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { expect } from "chai";
import { createEventStoreDbStore } from "../../src/eventstore/eventstoredb.js";
import { EventStoreUnavailable, type EventStore } from "../../src/eventstore/port.js";

describe("EventStoreDB adapter against a server that never answers", function () {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  let store: EventStore;

  before(async function () {
    // Accepts every connection, then stays silent: the case where the client alone would wait forever.
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    store = createEventStoreDbStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, deadlineMs: 300 });
  });

  after(async function () {
    await store.close().catch(() => {});
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function failure(call: Promise<unknown>): Promise<unknown> {
    return call.then(
      () => new Error("the call succeeded"),
      (error: unknown) => error,
    );
  }

  it("fails an append with EventStoreUnavailable at the deadline", async function () {
    const error = await failure(store.append(`thing-${randomUUID()}`, [{ id: randomUUID(), type: "T", data: {} }], "any"));
    expect(error).to.be.instanceOf(EventStoreUnavailable);
    expect(sockets.size, "the client did reach the silent server").to.be.greaterThan(0);
  });

  it("fails reads and the head with EventStoreUnavailable at the deadline", async function () {
    expect(await failure(store.readStream(`thing-${randomUUID()}`))).to.be.instanceOf(EventStoreUnavailable);
    expect(await failure(store.readAll({ limit: 10 }))).to.be.instanceOf(EventStoreUnavailable);
    expect(await failure(store.headPosition())).to.be.instanceOf(EventStoreUnavailable);
  });
});
