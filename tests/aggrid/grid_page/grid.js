// AG Grid Enterprise with rowModelType 'serverSide' on Aurora's `sales` test dataset.
// The test sets window.AURORA_LOGIN = {username, password} before the page loads; the page
// logs in (POST /api/auth/login) and sends the token with every block request. Each answer
// is kept in window.gridLog so the test can compare what the grid shows with it.
"use strict";

const DATASET = "sales";
window.gridLog = [];

async function login() {
  const response = await fetch("/api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(window.AURORA_LOGIN),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return (await response.json()).access_token;
}

function datasource(token) {
  return {
    getRows(params) {
      const request = { ...params.request, needsGrandTotal: params.needsGrandTotal };
      const pivoting = request.pivotMode && request.pivotCols.length > 0;
      const path = pivoting ? "pivot" : "table";
      fetch(`/api/datasets/${DATASET}/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(request),
      })
        .then((r) => (r.ok ? r.json() : r.text().then((t) => Promise.reject(new Error(t)))))
        .then((body) => {
          window.gridLog.push({ path, request, response: body });
          params.success(body);
        })
        .catch((error) => {
          window.gridLog.push({ path, request, error: String(error) });
          params.fail();
        });
    },
  };
}

const columnDefs = [
  { field: "region", rowGroup: true, enableRowGroup: true, enablePivot: true, filter: "agTextColumnFilter" },
  { field: "customer", enableRowGroup: true, filter: "agTextColumnFilter", floatingFilter: true },
  { field: "is_return", enablePivot: true, enableRowGroup: true },
  { field: "order_id", filter: "agNumberColumnFilter" },
  { field: "quantity", aggFunc: "sum", enableValue: true, filter: "agNumberColumnFilter" },
  { field: "amount", aggFunc: "sum", enableValue: true, filter: "agNumberColumnFilter" },
  { field: "order_date", filter: "agDateColumnFilter" },
];

async function main() {
  const token = await login();
  window.gridApi = agGrid.createGrid(document.getElementById("grid"), {
    columnDefs,
    defaultColDef: { sortable: true, resizable: true },
    autoGroupColumnDef: { minWidth: 220 },
    rowModelType: "serverSide",
    serverSideDatasource: datasource(token),
    cacheBlockSize: 100,
    grandTotalRow: "bottom",
    suppressAggFuncInHeader: true,
    animateRows: false,
  });
  window.gridReady = true;
}

main().catch((error) => {
  window.gridError = String(error);
});
