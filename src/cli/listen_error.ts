// Which setting a failed start names. Node reports a listen failure as a system error: getaddrinfo errors
// (ENOTFOUND, EAI_AGAIN…) and EADDRNOTAVAIL mean the Host cannot be listened on (no such name, not an address
// of this machine); EADDRINUSE and EACCES mean the Port is taken or privileged (Node docs, net.Server 'error'
// event; errors.md "Common system errors"). Anything else (no syscall) happened while building the server.

const HOST_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);

export function listenRefusal(err: unknown, host: string, port: number): string {
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown };
  const message = err instanceof Error ? err.message : String(err);
  if (typeof e?.code === 'string' && (HOST_CODES.has(e.code) || e.syscall === 'getaddrinfo')) {
    return `Host: cannot listen on '${host}': not an address of this machine or a name that resolves to one (${message})`;
  }
  if (e?.syscall === 'listen' || e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    return `Port: cannot listen on ${host}:${port} (${message})`;
  }
  return `the server could not start on ${host}:${port} (${message})`;
}
