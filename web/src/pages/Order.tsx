export function Order() {
  return <h1>Order</h1>;
}
