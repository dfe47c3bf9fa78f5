import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TenancyModule } from '../common/tenancy/tenancy.module';
import { AppConfig } from '../config/app-config';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { MeController } from './me.controller';
import { RolesGuard } from './roles.guard';
import { TokenService } from './token.service';

/** Token issuing only: used by the CLI, which serves no HTTP. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  providers: [TokenService],
  exports: [TokenService],
})
export class TokenModule {}

@Module({
  imports: [PassportModule, TokenModule, TenancyModule],
  controllers: [MeController],
  providers: [
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenModule],
})
export class AuthModule {}
