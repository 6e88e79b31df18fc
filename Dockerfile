# One image for both roles: `bridge` and `worker` (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --include=dev
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
RUN DATABASE_URL=postgresql://unused@localhost/unused npx prisma generate && npm prune --omit=dev
COPY src ./src
# The workflow bundle, prebuilt: a production worker refuses to start without it (src/worker/workflowBundle.ts).
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN npm run build:workflows
USER node
# /healthz, /readyz and /metrics; the healthcheck asks /readyz (Redis and Temporal reachable,
# bridge consuming, workers polling).
ENV METRICS_PORT=9464
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]
CMD ["all"]
