-- Author.insert
INSERT INTO "author" ("name", "email", "version") VALUES ($1, $2, $3) RETURNING "id"
-- Author.insertWithKey
INSERT INTO "author" ("name", "email", "version", "id") VALUES ($1, $2, $3, $4)
-- Author.update
UPDATE "author" SET "name" = $1, "email" = $2, "version" = $3 WHERE "id" = $4 AND "version" = $5
-- Author.delete
DELETE FROM "author" WHERE "id" = $1 AND "version" = $2
-- Author.find
SELECT "id", "version", "name", "email" FROM "author" WHERE "id" = $1
-- Author.fetchAll
SELECT "id", "version", "name", "email" FROM "author" ORDER BY "id"
-- Author.count
SELECT COUNT(*) FROM "author"
-- Author.currentVersion
SELECT "version" FROM "author" WHERE "id" = $1
-- Author finder (email)
SELECT "id", "version", "name", "email" FROM "author" WHERE "email" = $1 ORDER BY "id"
SELECT COUNT(*) FROM "author" WHERE "email" = $1
-- Post.insert
INSERT INTO "posts" ("author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count", "version", "id") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
-- Post.update
UPDATE "posts" SET "author_id" = $1, "title" = $2, "body" = $3, "status" = $4, "created_at" = $5, "rating" = $6, "attachment" = $7, "view_count" = $8, "version" = $9 WHERE "id" = $10 AND "version" = $11
-- Post.delete
DELETE FROM "posts" WHERE "id" = $1 AND "version" = $2
-- Post.find
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" WHERE "id" = $1
-- Post.fetchAll
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" ORDER BY "id"
-- Post.count
SELECT COUNT(*) FROM "posts"
-- Post.currentVersion
SELECT "version" FROM "posts" WHERE "id" = $1
-- Post finder (author_id, status)
SELECT "id", "version", "author_id", "title", "body", "status", "created_at", "rating", "attachment", "view_count" FROM "posts" WHERE "author_id" = $1 AND "status" = $2 ORDER BY "id"
SELECT COUNT(*) FROM "posts" WHERE "author_id" = $1 AND "status" = $2
-- Comment.insert
INSERT INTO "comment" ("post_id", "text", "is_hidden", "likes", "version") VALUES ($1, $2, $3, $4, $5) RETURNING "id"
-- Comment.insertWithKey
INSERT INTO "comment" ("post_id", "text", "is_hidden", "likes", "version", "id") VALUES ($1, $2, $3, $4, $5, $6)
-- Comment.update
UPDATE "comment" SET "post_id" = $1, "text" = $2, "is_hidden" = $3, "likes" = $4, "version" = $5 WHERE "id" = $6 AND "version" = $7
-- Comment.delete
DELETE FROM "comment" WHERE "id" = $1 AND "version" = $2
-- Comment.find
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" WHERE "id" = $1
-- Comment.fetchAll
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" ORDER BY "id"
-- Comment.count
SELECT COUNT(*) FROM "comment"
-- Comment.currentVersion
SELECT "version" FROM "comment" WHERE "id" = $1
-- Comment finder (post_id)
SELECT "id", "version", "post_id", "text", "is_hidden", "likes" FROM "comment" WHERE "post_id" = $1 ORDER BY "id"
SELECT COUNT(*) FROM "comment" WHERE "post_id" = $1
-- Product.insert
INSERT INTO "product" ("sku", "warehouse", "name", "stock", "price", "version") VALUES ($1, $2, $3, $4, $5, $6) RETURNING "id"
-- Product.insertWithKey
INSERT INTO "product" ("sku", "warehouse", "name", "stock", "price", "version", "id") VALUES ($1, $2, $3, $4, $5, $6, $7)
-- Product.update
UPDATE "product" SET "sku" = $1, "warehouse" = $2, "name" = $3, "stock" = $4, "price" = $5, "version" = $6 WHERE "id" = $7 AND "version" = $8
-- Product.delete
DELETE FROM "product" WHERE "id" = $1 AND "version" = $2
-- Product.find
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" WHERE "id" = $1
-- Product.fetchAll
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" ORDER BY "id"
-- Product.count
SELECT COUNT(*) FROM "product"
-- Product.currentVersion
SELECT "version" FROM "product" WHERE "id" = $1
-- Product finder (sku, warehouse)
SELECT "id", "version", "sku", "warehouse", "name", "stock", "price" FROM "product" WHERE "sku" = $1 AND "warehouse" = $2 ORDER BY "id"
SELECT COUNT(*) FROM "product" WHERE "sku" = $1 AND "warehouse" = $2
-- Event.insert
INSERT INTO "event" ("title", "seats_left", "starts_at", "version", "id") VALUES ($1, $2, $3, $4, $5)
-- Event.update
UPDATE "event" SET "title" = $1, "seats_left" = $2, "starts_at" = $3, "version" = $4 WHERE "id" = $5 AND "version" = $6
-- Event.delete
DELETE FROM "event" WHERE "id" = $1 AND "version" = $2
-- Event.find
SELECT "id", "version", "title", "seats_left", "starts_at" FROM "event" WHERE "id" = $1
-- Event.fetchAll
SELECT "id", "version", "title", "seats_left", "starts_at" FROM "event" ORDER BY "id"
-- Event.count
SELECT COUNT(*) FROM "event"
-- Event.currentVersion
SELECT "version" FROM "event" WHERE "id" = $1
-- Booking.insert
INSERT INTO "booking" ("event_id", "customer", "seat", "version", "id") VALUES ($1, $2, $3, $4, $5)
-- Booking.update
UPDATE "booking" SET "event_id" = $1, "customer" = $2, "seat" = $3, "version" = $4 WHERE "id" = $5 AND "version" = $6
-- Booking.delete
DELETE FROM "booking" WHERE "id" = $1 AND "version" = $2
-- Booking.find
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" WHERE "id" = $1
-- Booking.fetchAll
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" ORDER BY "id"
-- Booking.count
SELECT COUNT(*) FROM "booking"
-- Booking.currentVersion
SELECT "version" FROM "booking" WHERE "id" = $1
-- Booking finder (event_id)
SELECT "id", "version", "event_id", "customer", "seat" FROM "booking" WHERE "event_id" = $1 ORDER BY "id"
SELECT COUNT(*) FROM "booking" WHERE "event_id" = $1
-- Counter.insert
INSERT INTO "counter" ("value", "version") VALUES ($1, $2) RETURNING "id"
-- Counter.insertWithKey
INSERT INTO "counter" ("value", "version", "id") VALUES ($1, $2, $3)
-- Counter.update
UPDATE "counter" SET "value" = $1, "version" = $2 WHERE "id" = $3 AND "version" = $4
-- Counter.delete
DELETE FROM "counter" WHERE "id" = $1 AND "version" = $2
-- Counter.find
SELECT "id", "version", "value" FROM "counter" WHERE "id" = $1
-- Counter.fetchAll
SELECT "id", "version", "value" FROM "counter" ORDER BY "id"
-- Counter.count
SELECT COUNT(*) FROM "counter"
-- Counter.currentVersion
SELECT "version" FROM "counter" WHERE "id" = $1
-- AuditEntry.insert
INSERT INTO "audit_entry" ("message", "at") VALUES ($1, $2) RETURNING "id"
-- AuditEntry.insertWithKey
INSERT INTO "audit_entry" ("message", "at", "id") VALUES ($1, $2, $3)
-- AuditEntry.update
UPDATE "audit_entry" SET "message" = $1, "at" = $2 WHERE "id" = $3
-- AuditEntry.delete
DELETE FROM "audit_entry" WHERE "id" = $1
-- AuditEntry.find
SELECT "id", "message", "at" FROM "audit_entry" WHERE "id" = $1
-- AuditEntry.fetchAll
SELECT "id", "message", "at" FROM "audit_entry" ORDER BY "id"
-- AuditEntry.count
SELECT COUNT(*) FROM "audit_entry"
-- AuditEntry.upsert
INSERT INTO "audit_entry" ("message", "at", "id") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "message" = excluded."message", "at" = excluded."at"
-- Hostile.insert
INSERT INTO "order; DROP TABLE ""author""; --" ("select", "from ""x"" where '1'='1", "?", "separators", "version", "id") VALUES ($1, $2, $3, $4, $5, $6)
-- Hostile.update
UPDATE "order; DROP TABLE ""author""; --" SET "select" = $1, "from ""x"" where '1'='1" = $2, "?" = $3, "separators" = $4, "version" = $5 WHERE "id" = $6 AND "version" = $7
-- Hostile.delete
DELETE FROM "order; DROP TABLE ""author""; --" WHERE "id" = $1 AND "version" = $2
-- Hostile.find
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" WHERE "id" = $1
-- Hostile.fetchAll
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" ORDER BY "id"
-- Hostile.count
SELECT COUNT(*) FROM "order; DROP TABLE ""author""; --"
-- Hostile.currentVersion
SELECT "version" FROM "order; DROP TABLE ""author""; --" WHERE "id" = $1
-- Hostile finder (select, from "x" where '1'='1)
SELECT "id", "version", "select", "from ""x"" where '1'='1", "?", "separators" FROM "order; DROP TABLE ""author""; --" WHERE "select" = $1 AND "from ""x"" where '1'='1" = $2 ORDER BY "id"
SELECT COUNT(*) FROM "order; DROP TABLE ""author""; --" WHERE "select" = $1 AND "from ""x"" where '1'='1" = $2
-- Sample.insert
INSERT INTO "sample" ("int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal", "version", "id") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
-- Sample.update
UPDATE "sample" SET "int64" = $1, "int32" = $2, "int" = $3, "double" = $4, "bool" = $5, "string" = $6, "data" = $7, "date" = $8, "uuid" = $9, "status" = $10, "decimal" = $11, "optional_int64" = $12, "optional_int32" = $13, "optional_int" = $14, "optional_double" = $15, "optional_bool" = $16, "optional_string" = $17, "optional_data" = $18, "optional_date" = $19, "optional_uuid" = $20, "optional_status" = $21, "optional_decimal" = $22, "version" = $23 WHERE "id" = $24 AND "version" = $25
-- Sample.delete
DELETE FROM "sample" WHERE "id" = $1 AND "version" = $2
-- Sample.find
SELECT "id", "version", "int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal" FROM "sample" WHERE "id" = $1
-- Sample.fetchAll
SELECT "id", "version", "int64", "int32", "int", "double", "bool", "string", "data", "date", "uuid", "status", "decimal", "optional_int64", "optional_int32", "optional_int", "optional_double", "optional_bool", "optional_string", "optional_data", "optional_date", "optional_uuid", "optional_status", "optional_decimal" FROM "sample" ORDER BY "id"
-- Sample.count
SELECT COUNT(*) FROM "sample"
-- Sample.currentVersion
SELECT "version" FROM "sample" WHERE "id" = $1
-- Tally.insert
INSERT INTO "tally" ("count", "find", "version", "code") VALUES ($1, $2, $3, $4)
-- Tally.update
UPDATE "tally" SET "count" = $1, "find" = $2, "version" = $3 WHERE "code" = $4 AND "version" = $5
-- Tally.delete
DELETE FROM "tally" WHERE "code" = $1 AND "version" = $2
-- Tally.find
SELECT "code", "version", "count", "find" FROM "tally" WHERE "code" = $1
-- Tally.fetchAll
SELECT "code", "version", "count", "find" FROM "tally" ORDER BY "code"
-- Tally.count
SELECT COUNT(*) FROM "tally"
-- Tally.currentVersion
SELECT "version" FROM "tally" WHERE "code" = $1
