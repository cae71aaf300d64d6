/** Selectors the tests share. */

/** Two selectors that differ only in key and list order, so they name the same build. */
export const equalSelectors = {
  a: {
    contexts: [{ securityContext: { tenant: 'x', region: 'eu' } }],
    timezones: ['UTC'],
    cubes: ['orders', 'customers'],
  },
  b: {
    cubes: ['customers', 'orders'],
    timezones: ['UTC'],
    contexts: [{ securityContext: { region: 'eu', tenant: 'x' } }],
  },
};
