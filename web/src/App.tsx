/** The shell: a navigation bar and the routes. Pages that need a session say so themselves. */
import { NavLink, Route, Routes } from 'react-router';
import { useSessionState } from './app-context.tsx';
import { useViewer } from './viewer.ts';
import { useCart } from './shop/cart.tsx';
import { Account } from './pages/Account.tsx';
import { Admin } from './pages/Admin.tsx';
import { Cart } from './pages/Cart.tsx';
import { Documents } from './pages/Documents.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Order } from './pages/Order.tsx';
import { Orders } from './pages/Orders.tsx';
import { Shop } from './pages/Shop.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { SignUp } from './pages/SignUp.tsx';

export function App() {
  const state = useSessionState();
  const viewer = useViewer();
  const { count } = useCart();
  const isAdmin = viewer?.roles.includes('ADMIN') ?? false;
  return (
    <>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Meridian shop home">
          Meridian
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/">Shop</NavLink>
          <NavLink to="/cart" aria-label={`Cart, ${count} item${count === 1 ? '' : 's'}`}>
            Cart{count > 0 ? ` (${count})` : ''}
          </NavLink>
          {state.status === 'signed-in' && <NavLink to="/orders">Orders</NavLink>}
          {state.status === 'signed-in' && <NavLink to="/documents">Documents</NavLink>}
          {isAdmin && <NavLink to="/admin">Admin</NavLink>}
          {state.status === 'signed-in' && (
            <NavLink to="/account" aria-label={`Account${viewer ? ` (${viewer.displayName})` : ''}`}>
              {viewer?.displayName ?? 'Account'}
            </NavLink>
          )}
          {state.status === 'signed-out' && <NavLink to="/signin">Sign in</NavLink>}
        </nav>
      </header>
      {state.status === 'signed-out' && state.notice && (
        <p role="alert" className="notice">
          {state.notice}
        </p>
      )}
      <main>
        <Routes>
          <Route path="/" element={<Shop />} />
          <Route path="/cart" element={<Cart />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/signup" element={<SignUp />} />
          <Route path="/account" element={<Account />} />
          <Route path="/orders" element={<Orders />} />
          <Route path="/orders/:id" element={<Order />} />
          <Route path="/documents" element={<Documents />} />
          <Route path="/admin" element={<Admin />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}
