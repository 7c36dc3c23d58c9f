/**
 * Adjust a product's stock in one warehouse (`adjustStock`): add units (intake) or remove them
 * (damage, count correction), with the reason recorded beside the admin who made it; the warehouse
 * is chosen from inventory's list (`warehouses`, admins only).
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { graphql } from '../gql/index.ts';
import { parseStockAdjustment, maxReasonLength, type StockAdjustmentForm } from './stock-adjustment.ts';

const AdminProductsQuery = graphql(`
  query AdminProducts {
    products(first: 100) {
      edges {
        node {
          id
          sku
          name
          available
        }
      }
    }
    warehouses {
      id
      code
      name
    }
  }
`);

const AdjustStockMutation = graphql(`
  mutation AdjustStock($input: StockAdjustmentInput!) {
    adjustStock(input: $input) {
      warehouseId
      onHand
      reserved
      product {
        id
        name
        available
      }
    }
  }
`);

const emptyForm: StockAdjustmentForm = { productId: '', warehouseId: '', direction: 'add', units: '', reason: '' };

export function StockAdjustment() {
  const products = useQuery(AdminProductsQuery);
  const [adjust, adjustState] = useMutation(AdjustStockMutation);
  const [form, setForm] = useState<StockAdjustmentForm>(emptyForm);
  const [invalid, setInvalid] = useState<{ field: keyof StockAdjustmentForm; message: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<string | undefined>();
  const set = (field: keyof StockAdjustmentForm) => (value: string) => setForm((f) => ({ ...f, [field]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    const parsed = parseStockAdjustment(form);
    if (!parsed.ok) {
      setInvalid(parsed);
      return;
    }
    setInvalid(undefined);
    try {
      const { data } = await adjust({ variables: { input: parsed.input } });
      const level = data!.adjustStock;
      const warehouse = warehouses.find((w) => w.id === level.warehouseId)?.name ?? level.warehouseId;
      setResult(
        `${level.product.name}: ${level.onHand} on hand, ${level.reserved} reserved in ${warehouse}; ${level.product.available} available in all.`,
      );
      setForm((f) => ({ ...f, units: '', reason: '' }));
    } catch (e) {
      setError(e);
    }
  }

  const invalidProps = (field: keyof StockAdjustmentForm) =>
    invalid?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'stock-adjustment-invalid' } : {};
  const nodes = products.data?.products.edges.map((e) => e.node) ?? [];
  const warehouses = products.data?.warehouses ?? [];

  return (
    <section className="panel" aria-labelledby="adjust-stock">
      <h2 id="adjust-stock">Adjust stock</h2>
      <form className="stack" onSubmit={submit} aria-label="Adjust stock" noValidate>
        <ErrorMessage error={products.error} />
        <label>
          Product
          <select value={form.productId} onChange={(e) => set('productId')(e.target.value)} {...invalidProps('productId')}>
            <option value="">{products.loading ? 'Loading products…' : 'Choose a product'}</option>
            {nodes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.sku}) · {p.available} available
              </option>
            ))}
          </select>
        </label>
        <label>
          Warehouse
          <select value={form.warehouseId} onChange={(e) => set('warehouseId')(e.target.value)} {...invalidProps('warehouseId')}>
            <option value="">{products.loading ? 'Loading warehouses…' : 'Choose a warehouse'}</option>
            {warehouses.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.code})
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <label>
            Change
            <select value={form.direction} onChange={(e) => set('direction')(e.target.value)}>
              <option value="add">Add to stock</option>
              <option value="remove">Remove from stock</option>
            </select>
          </label>
          <label>
            Number of units
            <input
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              className="units"
              value={form.units}
              onChange={(e) => set('units')(e.target.value)}
              {...invalidProps('units')}
            />
          </label>
        </div>
        <label>
          Reason
          <input
            type="text"
            maxLength={maxReasonLength}
            placeholder="Intake, damage, count correction…"
            value={form.reason}
            onChange={(e) => set('reason')(e.target.value)}
            {...invalidProps('reason')}
          />
        </label>
        {invalid && (
          <p id="stock-adjustment-invalid" role="alert" className="error">
            {invalid.message}
          </p>
        )}
        <ErrorMessage error={error} />
        {result && <p role="status">{result}</p>}
        <button type="submit" disabled={adjustState.loading}>
          Adjust stock
        </button>
      </form>
    </section>
  );
}
