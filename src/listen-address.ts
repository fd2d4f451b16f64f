// Parses listen addresses as the config gives them: `:8080`, `host:8080`, `[::1]:8080`, `unix:/path`.

export type ListenTarget = { port: number; host?: string } | { path: string };

export const parseListenAddress = (text: string): ListenTarget => {
  if (text.startsWith('unix:')) return { path: text.slice(5) };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a listen address (host:port, :port, [v6]:port or unix:/path)`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`"${text}": port out of range`);
  const host = match[1] ?? match[2];
  return host ? { port, host } : { port };
};

export const describeListen = (target: ListenTarget, actualPort?: number): string => {
  if ('path' in target) return `unix:${target.path}`;
  const host = target.host ?? '0.0.0.0';
  return `${host.includes(':') ? `[${host}]` : host}:${actualPort ?? target.port}`;
};
