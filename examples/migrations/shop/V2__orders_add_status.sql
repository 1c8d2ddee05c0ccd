-- Expand: a nullable column and an index the next release reads; the running release ignores both.
ALTER TABLE orders ADD COLUMN status text;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
