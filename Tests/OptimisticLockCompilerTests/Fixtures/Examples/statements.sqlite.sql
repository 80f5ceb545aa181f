-- Author.insert
INSERT INTO "author" ("name", "email", "version") VALUES (?, ?, ?)
-- Author.insertWithKey
INSERT INTO "author" ("name", "email", "version", "id") VALUES (?, ?, ?, ?)
-- Author.update
UPDATE "author" SET "name" = ?, "email" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Author.delete
DELETE FROM "author" WHERE "id" = ? AND "version" = ?
-- Author.find
SELECT "id", "version", "name", "email" FROM "author" WHERE "id" = ?
-- Author.fetchAll
SELECT "id", "version", "name", "email" FROM "author" ORDER BY "id"
-- Author.count
SELECT COUNT(*) FROM "author"
-- Author.currentVersion
SELECT "version" FROM "author" WHERE "id" = ?
-- Author finder (email)
SELECT "id", "version", "name", "email" FROM "author" WHERE "email" = ? ORDER BY "id"
SELECT COUNT(*) FROM "author" WHERE "email" = ?
-- Post.insert
INSERT INTO "posts" ("author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count", "version", "id") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
-- Post.update
UPDATE "posts" SET "author_id" = ?, "title" = ?, "body" = ?, "status" = ?, "created_at" = ?, "rating" = ?, "attachment" = ?, "view_count" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Post.delete
DELETE FROM "posts" WHERE "id" = ? AND "version" = ?
-- Post.find
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" WHERE "id" = ?
-- Post.fetchAll
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" ORDER BY "id"
-- Post.count
SELECT COUNT(*) FROM "posts"
-- Post.currentVersion
SELECT "version" FROM "posts" WHERE "id" = ?
-- Post finder (author_id, status)
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" WHERE "author_id" = ? AND "status" = ? ORDER BY "id"
SELECT COUNT(*) FROM "posts" WHERE "author_id" = ? AND "status" = ?
-- Comment.insert
INSERT INTO "comment" ("post_id", "text", "is_hidden", "likes", "version") VALUES (?, ?, ?, ?, ?)
-- Comment.insertWithKey
INSERT INTO "comment" ("post_id", "text", "is_hidden", "likes", "version", "id") VALUES (?, ?, ?, ?, ?, ?)
-- Comment.update
UPDATE "comment" SET "post_id" = ?, "text" = ?, "is_hidden" = ?, "likes" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Comment.delete
DELETE FROM "comment" WHERE "id" = ? AND "version" = ?
-- Comment.find
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" WHERE "id" = ?
-- Comment.fetchAll
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" ORDER BY "id"
-- Comment.count
SELECT COUNT(*) FROM "comment"
-- Comment.currentVersion
SELECT "version" FROM "comment" WHERE "id" = ?
-- Comment finder (post_id)
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" WHERE "post_id" = ? ORDER BY "id"
SELECT COUNT(*) FROM "comment" WHERE "post_id" = ?
-- Product.insert
INSERT INTO "product" ("sku", "warehouse", "name", "stock", "price", "version") VALUES (?, ?, ?, ?, ?, ?)
-- Product.insertWithKey
INSERT INTO "product" ("sku", "warehouse", "name", "stock", "price", "version", "id") VALUES (?, ?, ?, ?, ?, ?, ?)
-- Product.update
UPDATE "product" SET "sku" = ?, "warehouse" = ?, "name" = ?, "stock" = ?, "price" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Product.delete
DELETE FROM "product" WHERE "id" = ? AND "version" = ?
-- Product.find
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" WHERE "id" = ?
-- Product.fetchAll
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" ORDER BY "id"
-- Product.count
SELECT COUNT(*) FROM "product"
-- Product.currentVersion
SELECT "version" FROM "product" WHERE "id" = ?
-- Product finder (sku, warehouse)
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" WHERE "sku" = ? AND "warehouse" = ? ORDER BY "id"
SELECT COUNT(*) FROM "product" WHERE "sku" = ? AND "warehouse" = ?
-- Event.insert
INSERT INTO "event" ("title", "seats_left", "starts_at", "version", "id") VALUES (?, ?, ?, ?, ?)
-- Event.update
UPDATE "event" SET "title" = ?, "seats_left" = ?, "starts_at" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Event.delete
DELETE FROM "event" WHERE "id" = ? AND "version" = ?
-- Event.find
SELECT "id", "version", "title", "seats_left", "starts_at" FROM "event" WHERE "id" = ?
-- Event.fetchAll
SELECT "id", "version", "title", "seats_left", "starts_at" FROM "event" ORDER BY "id"
-- Event.count
SELECT COUNT(*) FROM "event"
-- Event.currentVersion
SELECT "version" FROM "event" WHERE "id" = ?
-- Booking.insert
INSERT INTO "booking" ("event_id", "customer", "seat", "version", "id") VALUES (?, ?, ?, ?, ?)
-- Booking.update
UPDATE "booking" SET "event_id" = ?, "customer" = ?, "seat" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Booking.delete
DELETE FROM "booking" WHERE "id" = ? AND "version" = ?
-- Booking.find
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" WHERE "id" = ?
-- Booking.fetchAll
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" ORDER BY "id"
-- Booking.count
SELECT COUNT(*) FROM "booking"
-- Booking.currentVersion
SELECT "version" FROM "booking" WHERE "id" = ?
-- Booking finder (event_id)
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" WHERE "event_id" = ? ORDER BY "id"
SELECT COUNT(*) FROM "booking" WHERE "event_id" = ?
-- Counter.insert
INSERT INTO "counter" ("value", "version") VALUES (?, ?)
-- Counter.insertWithKey
INSERT INTO "counter" ("value", "version", "id") VALUES (?, ?, ?)
-- Counter.update
UPDATE "counter" SET "value" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Counter.delete
DELETE FROM "counter" WHERE "id" = ? AND "version" = ?
-- Counter.find
SELECT "id", "version", "value" FROM "counter" WHERE "id" = ?
-- Counter.fetchAll
SELECT "id", "version", "value" FROM "counter" ORDER BY "id"
-- Counter.count
SELECT COUNT(*) FROM "counter"
-- Counter.currentVersion
SELECT "version" FROM "counter" WHERE "id" = ?
-- AuditEntry.insert
INSERT INTO "audit_entry" ("message", "at") VALUES (?, ?)
-- AuditEntry.insertWithKey
INSERT INTO "audit_entry" ("message", "at", "id") VALUES (?, ?, ?)
-- AuditEntry.update
UPDATE "audit_entry" SET "message" = ?, "at" = ? WHERE "id" = ?
-- AuditEntry.delete
DELETE FROM "audit_entry" WHERE "id" = ?
-- AuditEntry.find
SELECT "id", "message", "at" FROM "audit_entry" WHERE "id" = ?
-- AuditEntry.fetchAll
SELECT "id", "message", "at" FROM "audit_entry" ORDER BY "id"
-- AuditEntry.count
SELECT COUNT(*) FROM "audit_entry"
-- AuditEntry.upsert
INSERT INTO "audit_entry" ("message", "at", "id") VALUES (?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "message" = excluded."message", "at" = excluded."at"
-- Hostile.insert
INSERT INTO "order; DROP TABLE ""author""; --" ("select", "from ""x"" where '1'='1", "?", "separators", "version", "id") VALUES (?, ?, ?, ?, ?, ?)
-- Hostile.update
UPDATE "order; DROP TABLE ""author""; --" SET "select" = ?, "from ""x"" where '1'='1" = ?, "?" = ?, "separators" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Hostile.delete
DELETE FROM "order; DROP TABLE ""author""; --" WHERE "id" = ? AND "version" = ?
-- Hostile.find
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" WHERE "id" = ?
-- Hostile.fetchAll
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" ORDER BY "id"
-- Hostile.count
SELECT COUNT(*) FROM "order; DROP TABLE ""author""; --"
-- Hostile.currentVersion
SELECT "version" FROM "order; DROP TABLE ""author""; --" WHERE "id" = ?
-- Hostile finder (select, from "x" where '1'='1)
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" WHERE "select" = ? AND "from ""x"" where '1'='1" = ? ORDER BY "id"
SELECT COUNT(*) FROM "order; DROP TABLE ""author""; --" WHERE "select" = ? AND "from ""x"" where '1'='1" = ?
-- Sample.insert
INSERT INTO "sample" ("int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal", "version", "id") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
-- Sample.update
UPDATE "sample" SET "int64" = ?, "int32" = ?, "int" = ?, "double" = ?, "bool" = ?, "string" = ?, "data" = ?, "date" = ?, "uuid" = ?, "status" = ?, "decimal" = ?, "optional_int64" = ?, "optional_int32" = ?, "optional_int" = ?, "optional_double" = ?, "optional_bool" = ?, "optional_string" = ?, "optional_data" = ?, "optional_date" = ?, "optional_uuid" = ?, "optional_status" = ?, "optional_decimal" = ?, "version" = ? WHERE "id" = ? AND "version" = ?
-- Sample.delete
DELETE FROM "sample" WHERE "id" = ? AND "version" = ?
-- Sample.find
SELECT "id", "version", "int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal" FROM "sample" WHERE "id" = ?
-- Sample.fetchAll
SELECT "id", "version", "int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal" FROM "sample" ORDER BY "id"
-- Sample.count
SELECT COUNT(*) FROM "sample"
-- Sample.currentVersion
SELECT "version" FROM "sample" WHERE "id" = ?
-- Tally.insert
INSERT INTO "tally" ("count", "find", "version", "code") VALUES (?, ?, ?, ?)
-- Tally.update
UPDATE "tally" SET "count" = ?, "find" = ?, "version" = ? WHERE "code" = ? AND "version" = ?
-- Tally.delete
DELETE FROM "tally" WHERE "code" = ? AND "version" = ?
-- Tally.find
SELECT "code", "version", "count", "find" FROM "tally" WHERE "code" = ?
-- Tally.fetchAll
SELECT "code", "version", "count", "find" FROM "tally" ORDER BY "code"
-- Tally.count
SELECT COUNT(*) FROM "tally"
-- Tally.currentVersion
SELECT "version" FROM "tally" WHERE "code" = ?
