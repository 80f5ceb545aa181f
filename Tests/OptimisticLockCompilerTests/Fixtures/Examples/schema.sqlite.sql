-- Author
CREATE TABLE IF NOT EXISTS "author" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT UNIQUE
);

-- Post
CREATE TABLE IF NOT EXISTS "posts" (
    "id" BLOB NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "author_id" INTEGER NOT NULL REFERENCES "author" ("id"),
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'draft',
    "created_at" DATETIME NOT NULL,
    "rating" REAL,
    "attachment" BLOB,
    "view_count" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS "posts_author_id_status_idx" ON "posts" ("author_id", "status");

-- Comment
CREATE TABLE IF NOT EXISTS "comment" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "post_id" BLOB NOT NULL REFERENCES "posts" ("id"),
    "text" TEXT NOT NULL,
    "is_hidden" BOOLEAN NOT NULL DEFAULT 0,
    "likes" INT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS "comment_post_id_idx" ON "comment" ("post_id");

-- Product
CREATE TABLE IF NOT EXISTS "product" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "sku" TEXT NOT NULL,
    "warehouse" TEXT NOT NULL DEFAULT 'main',
    "name" TEXT NOT NULL,
    "stock" INTEGER NOT NULL DEFAULT 0,
    "price" REAL NOT NULL DEFAULT 0.0,
    UNIQUE ("sku", "warehouse")
);

-- Event
CREATE TABLE IF NOT EXISTS "event" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "seats_left" INTEGER NOT NULL DEFAULT 100,
    "starts_at" DATETIME NOT NULL
);

-- Booking
CREATE TABLE IF NOT EXISTS "booking" (
    "id" BLOB NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "event_id" TEXT NOT NULL REFERENCES "event" ("id"),
    "customer" TEXT NOT NULL,
    "seat" INT NOT NULL
);
CREATE INDEX IF NOT EXISTS "booking_event_id_idx" ON "booking" ("event_id");

-- Counter
CREATE TABLE IF NOT EXISTS "counter" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "value" INTEGER NOT NULL DEFAULT 0
);

-- AuditEntry
CREATE TABLE IF NOT EXISTS "audit_entry" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "message" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- Hostile
CREATE TABLE IF NOT EXISTS "order; DROP TABLE ""author""; --" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "select" TEXT NOT NULL,
    "from ""x"" where '1'='1" TEXT NOT NULL DEFAULT '''',
    "?" INTEGER NOT NULL DEFAULT 0,
    "separators" TEXT NOT NULL DEFAULT 'ab
c
d	e'
);
CREATE INDEX IF NOT EXISTS "order; DROP TABLE ""author""; --_select_from ""x"" where '1'='1_idx" ON "order; DROP TABLE ""author""; --" ("select", "from ""x"" where '1'='1");

-- Sample
CREATE TABLE IF NOT EXISTS "sample" (
    "id" BLOB NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "int64" INTEGER NOT NULL DEFAULT 0,
    "int32" INT NOT NULL DEFAULT 0,
    "int" INTEGER NOT NULL DEFAULT 0,
    "double" REAL NOT NULL DEFAULT 0,
    "bool" BOOLEAN NOT NULL DEFAULT 0,
    "string" TEXT NOT NULL DEFAULT '',
    "data" BLOB NOT NULL,
    "date" DATETIME NOT NULL,
    "uuid" BLOB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "decimal" DECIMAL TEXT NOT NULL DEFAULT '12.5',
    "optional_int64" INTEGER,
    "optional_int32" INT,
    "optional_int" INTEGER,
    "optional_double" REAL,
    "optional_bool" BOOLEAN,
    "optional_string" TEXT,
    "optional_data" BLOB,
    "optional_date" DATETIME,
    "optional_uuid" BLOB,
    "optional_status" TEXT,
    "optional_decimal" DECIMAL TEXT
);

-- Tally
CREATE TABLE IF NOT EXISTS "tally" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "find" TEXT NOT NULL DEFAULT ''
);
