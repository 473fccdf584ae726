CREATE TABLE "stock_reservation_lines" (
	"order_id" text NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	CONSTRAINT "stock_reservation_lines_order_id_product_id_pk" PRIMARY KEY("order_id","product_id"),
	CONSTRAINT "stock_reservation_lines_quantity_positive" CHECK ("stock_reservation_lines"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "stock_reservations" (
	"order_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_reservations_status_known" CHECK ("stock_reservations"."status" in ('reserved', 'released'))
);
--> statement-breakpoint
ALTER TABLE "stock_reservation_lines" ADD CONSTRAINT "stock_reservation_lines_order_id_stock_reservations_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."stock_reservations"("order_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_reservation_lines" ADD CONSTRAINT "stock_reservation_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_stock_not_negative" CHECK ("products"."stock" >= 0);