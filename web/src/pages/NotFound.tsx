import { Link } from 'react-router';

export function NotFound() {
  return (
    <section className="panel">
      <h1>Page not found</h1>
      <Link to="/">Back to the shop</Link>
    </section>
  );
}
