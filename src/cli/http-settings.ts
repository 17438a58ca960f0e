// The --http, --metrics, --max-applications and --ddl options that `proxy` and `up` share.
import { parseHostPort, UsageError } from './listen-address.js';
import { optionalSetting, setting, type Env } from './settings.js';

export const HTTP_OPTIONS = {
  http: { type: 'string' },
  metrics: { type: 'string' },
  'max-applications': { type: 'string' },
  ddl: { type: 'string' },
  'api-token': { type: 'string' },
  'public-url': { type: 'string' },
} as const;

export const HTTP_HELP = `  --http HOST:PORT|off     /metrics, /healthz, /readyz      PGGIT_HTTP (127.0.0.1:9187)
  --metrics on|off         count statements for /metrics      PGGIT_METRICS (on)
  --max-applications N     application label values kept, the rest are "other"
                                                             PGGIT_MAX_APPLICATIONS (20)
  --ddl on|off             watch for schema changes         PGGIT_DDL (on)
  --api-token TOKEN        allow POST/DELETE /api/branches with
                           "Authorization: Bearer TOKEN"      PGGIT_API_TOKEN (off)
  --public-url URL         the page's address as browsers reach it, for the
                           dashboard's commit links       PGGIT_PUBLIC_URL (http://HOST:PORT of --http)
`;

export function httpSettings(
  values: {
    http?: string | undefined;
    metrics?: string | undefined;
    'max-applications'?: string | undefined;
    ddl?: string | undefined;
    'api-token'?: string | undefined;
    'public-url'?: string | undefined;
  },
  env: Env,
): {
  http: { host: string; port: number } | undefined;
  metrics: boolean;
  maxApplications: number;
  ddl: boolean;
  apiToken: string | undefined;
  publicUrl: string | undefined;
} {
  const http = setting(values.http, env, ['PGGIT_HTTP'], '127.0.0.1:9187');
  const metrics = onOff(setting(values.metrics, env, ['PGGIT_METRICS'], 'on'), '--metrics');
  const ddl = onOff(setting(values.ddl, env, ['PGGIT_DDL'], 'on'), '--ddl');
  const maxApplications = Number(setting(values['max-applications'], env, ['PGGIT_MAX_APPLICATIONS'], '20'));
  if (!Number.isInteger(maxApplications) || maxApplications < 0) throw new UsageError('--max-applications must be a whole number');
  const apiToken = optionalSetting(values['api-token'], env, ['PGGIT_API_TOKEN']);
  const publicUrl = optionalSetting(values['public-url'], env, ['PGGIT_PUBLIC_URL']);
  if (publicUrl !== undefined && !/^https?:\/\/[^/]/.test(publicUrl)) throw new UsageError(`--public-url must be an http:// or https:// URL, got "${publicUrl}"`);
  return { http: http === 'off' ? undefined : parseHostPort(http), metrics, maxApplications, ddl, apiToken, publicUrl };
}

function onOff(value: string, flag: string): boolean {
  if (value !== 'on' && value !== 'off') throw new UsageError(`${flag} must be on or off, got "${value}"`);
  return value === 'on';
}
