-- One database per subgraph (run once by the postgres image on an empty volume).
CREATE DATABASE meridian_users;
CREATE DATABASE meridian_auth;
CREATE DATABASE meridian_inventory;
CREATE DATABASE meridian_orders;
CREATE DATABASE meridian_payments;
CREATE DATABASE meridian_documents;
