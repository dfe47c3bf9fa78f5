import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics';

/** Express middleware timing every request; labelled by route pattern, not URL, to bound cardinality. */
export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const end = httpRequestDuration.startTimer();
  res.once('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    end({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
  });
  next();
}
