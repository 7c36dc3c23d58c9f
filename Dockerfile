# One image for every Meridian Node process; the compose file picks the command.

# Build: every dependency, the Prisma clients, TypeScript compiled to dist/ (npm run build), and the
# web app bundled by Vite (npm run build:web -> web/dist).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npx tsx prisma/cli.ts generate
COPY . .
RUN npm run build && npm run build:web && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Run: the compiled programs (dist/ holds the schemas, migrations and supergraph they read) and the
# production dependencies; no TypeScript sources, no tsx. The web app's bundle sits where dist/ mirrors
# the repository (dist/web/dist), which is where the `web` service serves it from.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./dist/web/dist
USER node
CMD ["node", "dist/router/src/main.js"]
