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
USER node
ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]
CMD ["all"]
