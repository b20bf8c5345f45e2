// Run by the compose file's mongo-init service (mongosh --file): initiates
// the replica set rs0 of mongo1, mongo2 and mongo3 the first time, then
// waits until it has a primary, so the ipmatch nodes start on a set that
// takes majority writes. Running it again changes nothing.
try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  rs.initiate({
    _id: "rs0",
    members: [
      { _id: 0, host: "mongo1:27017" },
      { _id: 1, host: "mongo2:27017" },
      { _id: 2, host: "mongo3:27017" },
    ],
  });
  print("replica set rs0 initiated");
}
for (let i = 0; !db.hello().primary; i++) {
  if (i === 120) throw new Error("rs0 elected no primary in 2 minutes");
  sleep(1000);
}
print("rs0 primary: " + db.hello().primary);
