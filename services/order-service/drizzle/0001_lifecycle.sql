ALTER TABLE "orders" DROP CONSTRAINT "orders_status_known";--> statement-breakpoint
DROP INDEX "orders_user_created_at_idx";--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "stock_reserved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "stock_released_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "orders_user_created_at_id_idx" ON "orders" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "orders_unsettled_idx" ON "orders" USING btree ("created_at") WHERE "orders"."status" = 'pending' or ("orders"."status" in ('payment_failed', 'cancelled') and "orders"."stock_released_at" is null);--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_known" CHECK ("orders"."status" in ('pending', 'paid', 'payment_failed', 'cancelled'));--> statement-breakpoint
-- Orders settled before stock was reserved hold none: nothing to give back.
UPDATE "orders" SET "stock_released_at" = "updated_at" WHERE "status" = 'payment_failed';