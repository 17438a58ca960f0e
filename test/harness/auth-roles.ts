// Roles that log in with each password method, for the authentication tests.
export const AUTH_ROLES = [
  { role: 'pggit_md5', method: 'md5', password: 'md5-secret', encryption: 'md5' },
  { role: 'pggit_scram', method: 'scram-sha-256', password: 'scram-secret', encryption: 'scram-sha-256' },
  { role: 'pggit_password', method: 'password', password: 'clear-secret', encryption: 'scram-sha-256' },
] as const;
