import { createEventStoreDbStore } from "../../src/eventstore/eventstoredb.js";
import { createPostgresEventStore } from "../../src/eventstore/postgres.js";
import { databaseKinds } from "../support/databases.js";
import { eventStoreContract } from "./contract.js";

for (const kind of databaseKinds()) {
  eventStoreContract(kind.name, async () => {
    const database = await kind.create();
    const store = await createPostgresEventStore(database.db, { notificationsUrl: database.url });
    return {
      store,
      async dispose() {
        await store.close();
        await database.dispose();
      },
    };
  });
}

const eventStoreUrl = process.env.EVENTSTORE_URL || undefined;
if (eventStoreUrl) {
  eventStoreContract("eventstoredb", async () => {
    const store = createEventStoreDbStore({ connectionString: eventStoreUrl });
    return { store, dispose: () => store.close() };
  });
} else {
  describe("EventStore contract: eventstoredb", function () {
    it("runs against an EventStoreDB server", function () {
      console.log(
        "    EventStoreDB contract suite skipped: EVENTSTORE_URL is not set (no EventStoreDB server on this " +
          "machine; run `docker compose up eventstore` and set EVENTSTORE_URL=esdb://localhost:2113?tls=false)",
      );
      this.skip();
    });
  });
}
